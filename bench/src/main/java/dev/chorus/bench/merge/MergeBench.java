package dev.chorus.bench.merge;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.merge.MergePipeline;
import dev.chorus.engine.merge.MergeProgress;
import dev.chorus.engine.merge.MergeRecipe;
import dev.chorus.engine.merge.MergeSummary;
import dev.chorus.engine.merge.RecipeParser;
import dev.chorus.gguf.GgmlType;
import dev.chorus.kernels.merge.MergeBackends;
import dev.chorus.kernels.merge.MergeKernels;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.StoredFixtures;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merge throughput: writes two random F16 llama models of one shape (different seeds), then merges them with
 * {@code linear} and {@code ties} on every backend that runs here, and writes
 * {@code <out>/merge-<device>-<date>.json} ({@code merge-<shape>-<device>-<date>.json} with {@code --shape}) with one
 * row per case {@code {"device","backend","method","in_gb",
 * "seconds","gb_per_s","disk_read_gb_per_s"}}. The read speed is that of reading both inputs once just before
 * (the page cache included, as it is for the merge).
 *
 * <p>Arguments: {@code --out DIR} (default {@code bench/results}), {@code --work DIR} (default a temporary
 * folder), {@code --embedding N} (default 256), {@code --layers N} (default 4), {@code --ffn N} (default
 * 32768: about 235 MB per model, the size coming mostly from the feed-forward width), {@code --shape NAME} instead of those three ({@code llama-1b}, about 2.5 GB per
 * model, or {@code llama-8b}, about 16 GB: seeds 1 and 2, written once into
 * {@code ${chorus.cache.dir:-~/.cache/chorus}/bench-models} and kept), {@code --repeat N} timed runs per case, the best
 * kept (default 2; one untimed warm-up run before).
 */
public final class MergeBench {

    private MergeBench() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of("bench/results");
        Path work = null;
        int embedding = 256;
        int layers = 4;
        int feedForward = 32_768;
        int repeat = 2;
        FixtureModel named = null;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--out" -> out = Path.of(value);
                case "--work" -> work = Path.of(value);
                case "--embedding" -> embedding = Integer.parseInt(value);
                case "--layers" -> layers = Integer.parseInt(value);
                case "--ffn" -> feedForward = Integer.parseInt(value);
                case "--repeat" -> repeat = Integer.parseInt(value);
                case "--shape" -> named = FixtureModel.named(value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --out, --work, --embedding, --layers, --ffn, --shape, --repeat)");
            }
        }
        Path folder = work != null ? Files.createDirectories(work) : Files.createTempDirectory("chorus-merge-bench");
        FixtureModel shape = named != null ? named : FixtureModel.DEFAULT.withTensorType(GgmlType.F16)
                .withEmbeddingLength(embedding).withHeads(embedding / 64).withKvHeads(embedding / 64).withLayers(layers)
                .withFeedForwardLength(feedForward).withName("bench");
        // Named shapes are slow to write, so they are kept for later runs; the small default lives in the work folder.
        List<Path> inputs = named != null ? StoredFixtures.pair(shape)
                : List.of(StoredFixtures.stored(folder, shape.withSeed(1)), StoredFixtures.stored(folder, shape.withSeed(2)));
        Path a = inputs.get(0);
        Path b = inputs.get(1);
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        double readSpeed = readSpeed(a, b);
        Map<String, String> devices = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (MergeBackends.Availability candidate : MergeBackends.available()) {
            if (candidate.unavailableReason().isPresent()) {
                System.out.println("skipping " + candidate.backend().id() + ": " + candidate.unavailableReason().get());
                continue;
            }
            try (MergeKernels kernels = candidate.factory().open()) {
                devices.put(kernels.backend().id(), kernels.device());
                for (String method : List.of("linear", "ties")) {
                    MergeRecipe recipe = RecipeParser.parse(recipe(method, a, b), folder);
                    MergeSummary best = null;
                    for (int run = 0; run <= repeat; run++) {
                        MergeSummary summary = MergePipeline.run(recipe, folder.resolve("merged.gguf"), kernels,
                                MergeProgress.NONE);
                        if (run > 0 && (best == null || summary.seconds() < best.seconds())) {
                            best = summary;
                        }
                    }
                    Files.deleteIfExists(folder.resolve("merged.gguf"));
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("device", kernels.device());
                    row.put("backend", kernels.backend().id());
                    row.put("method", method);
                    row.put("in_gb", round(best.inputBytes() / 1e9));
                    row.put("seconds", round(best.seconds()));
                    row.put("gb_per_s", round(best.gigabytesPerSecond()));
                    row.put("disk_read_gb_per_s", round(readSpeed));
                    rows.add(row);
                    System.out.println(row);
                }
            }
        }
        Map<String, Object> file = new LinkedHashMap<>();
        Map<String, Object> machine = BenchResults.machine(devices);
        // Other work on the machine slows CPU merges: the 1-minute load average says how much.
        machine.put("load_average_before", loadBefore);
        machine.put("load_average_after", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        file.put("machine", machine);
        file.put("date", Instant.now().toString());
        file.put("models", "2 x %s %s llama (%s), embedding %d, %d layers, ffn %d, vocabulary %d; output F16 (norms F32)"
                .formatted(shape.name(), shape.tensorType(), shape.tiedEmbeddings() ? "tied embeddings" : "own output matrix",
                        shape.embeddingLength(), shape.layers(), shape.feedForwardLength(), shape.vocabulary().tokenCount()));
        file.put("timing", "best of " + repeat + " runs after one warm-up, plan and checks included");
        file.put("results", rows);
        // A named shape gets its own file, so it does not replace the default shape's results of the same day.
        String kind = named != null ? "merge-" + named.name() : "merge";
        BenchResults.write(BenchResults.file(out, kind, devices.values().iterator().next()), file);
        if (work == null) {
            if (named == null) {
                Files.delete(a);
                Files.delete(b);
            }
            Files.delete(folder);
        }
    }

    private static String recipe(String method, Path a, Path b) {
        return method.equals("linear")
                ? "merge_method: linear\nmodels: [{model: %s, parameters: {weight: 0.5}}, {model: %s, parameters: {weight: 0.5}}]\ndtype: float16\n"
                .formatted(a, b)
                : "merge_method: ties\nbase_model: %s\nmodels: [{model: %s, parameters: {weight: 1.0, density: 0.5}}]\ndtype: float16\n"
                .formatted(a, b);
    }

    /** GB/s reading both files through once. */
    private static double readSpeed(Path... files) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(8 << 20);
        long bytes = 0;
        long start = System.nanoTime();
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file)) {
                int read;
                while ((read = channel.read(buffer.clear())) >= 0) {
                    bytes += read;
                }
            }
        }
        return bytes / 1e9 / ((System.nanoTime() - start) / 1e9);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
