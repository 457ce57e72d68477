package dev.chorus.bench.merge;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.merge.MergePipeline;
import dev.chorus.engine.merge.MergeProgress;
import dev.chorus.engine.merge.MergeRecipe;
import dev.chorus.engine.merge.MergeSummary;
import dev.chorus.engine.merge.RecipeParser;
import dev.chorus.gguf.GgmlType;
import dev.chorus.kernels.merge.MergeBackend;
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
 * Merge throughput and memory: writes two random F16 llama models of one shape (different seeds), then merges
 * them with {@code linear} and {@code ties} on every backend that runs here, each run in a child JVM with
 * {@code -Xmx1g} (the pipeline's chunks sized to it) whose anonymous resident memory ({@code RssAnon}: the heap
 * and native buffers, not the page cache of the memory-mapped inputs) is sampled every 20 ms. On the Java backend
 * the output of one more run, with whole tensors as chunks and a large heap ({@code --unbounded-heap}), must equal
 * the bounded run's byte for byte. Writes {@code <out>/merge-<device>-<date>.json}
 * ({@code merge-<shape>-<device>-<date>.json} with {@code --shape}) with one row per case {@code {"device","backend",
 * "method","in_gb","seconds","gb_per_s","disk_read_gb_per_s","heap","chunk_elements","peak_rss_anon_mb",
 * "equals_unbounded"}}. The read speed is that of reading both inputs once just before (the page cache included,
 * as it is for the merge).
 *
 * <p>Arguments: {@code --out DIR} (default {@code bench/results}), {@code --work DIR} (default a temporary
 * folder), {@code --embedding N} (default 256), {@code --layers N} (default 4), {@code --ffn N} (default
 * 32768: about 235 MB per model, the size coming mostly from the feed-forward width), {@code --shape NAME} instead of those three ({@code llama-1b}, about 2.5 GB per
 * model, or {@code llama-8b}, about 16 GB: seeds 1 and 2, written once into
 * {@code ${chorus.cache.dir:-~/.cache/chorus}/bench-models} and kept), {@code --repeat N} timed runs per case, the best
 * kept (default 2), {@code --heap SIZE} of the measured runs (default 1g), {@code --unbounded-heap SIZE} of the
 * comparison run (default 8g; {@code none} skips it), {@code --backend NAME} to run one backend only.
 */
public final class MergeBench {

    private MergeBench() {
    }

    /** The child's last line: {@code RESULT seconds gb_per_s chunk_elements peak_rss_anon_kb}. */
    private static final String RESULT = "RESULT ";

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0 && args[0].equals("--child")) {
            child(args);
            return;
        }
        Path out = Path.of("bench/results");
        String heap = "1g";
        String unboundedHeap = "8g";
        MergeBackend only = null;
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
                case "--heap" -> heap = value;
                case "--backend" -> only = MergeBackend.parse(value);
                case "--unbounded-heap" -> unboundedHeap = value;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --out, --work, --embedding, --layers, --ffn, --shape, --repeat, --heap, --unbounded-heap, --backend)");
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
            if (only != null && candidate.backend() != only) {
                continue;
            }
            if (candidate.unavailableReason().isPresent()) {
                System.out.println("skipping " + candidate.backend().id() + ": " + candidate.unavailableReason().get());
                continue;
            }
            String backend = candidate.backend().id();
            try (MergeKernels kernels = candidate.factory().open()) {
                devices.put(backend, kernels.device());
            }
            for (String method : List.of("linear", "ties")) {
                Path recipe = Files.writeString(folder.resolve("merge-bench-" + method + ".yaml"), recipe(method, a, b));
                Path bounded = folder.resolve("merged-bounded.gguf");
                long[] best = null;
                for (int run = 0; run < repeat; run++) {
                    long[] result = child(heap, recipe, bounded, backend, 0);
                    if (best == null || result[0] < best[0]) {
                        best = result;
                    }
                }
                Boolean equal = null;
                if (candidate.backend() == MergeBackend.JAVA && !unboundedHeap.equals("none")) {
                    Path unbounded = folder.resolve("merged-unbounded.gguf");
                    child(unboundedHeap, recipe, unbounded, backend, UNBOUNDED_CHUNK);
                    equal = Files.mismatch(bounded, unbounded) == -1;
                    Files.delete(unbounded);
                }
                Files.delete(bounded);
                Files.delete(recipe);
                double inputGigabytes = (Files.size(a) + Files.size(b)) / 1e9;
                double seconds = best[0] / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("device", devices.get(backend));
                row.put("backend", backend);
                row.put("method", method);
                row.put("in_gb", round(best[1] / 1e9));
                row.put("seconds", round(seconds));
                row.put("gb_per_s", round(best[1] / 1e9 / seconds));
                row.put("disk_read_gb_per_s", round(readSpeed));
                row.put("heap", "-Xmx" + heap);
                row.put("chunk_elements", best[2]);
                row.put("peak_rss_anon_mb", round(best[3] / 1024.0));
                row.put("equals_unbounded", equal);
                row.put("file_gb", round(inputGigabytes));
                rows.add(row);
                System.out.println(row);
            }
        }
        Map<String, Object> file = new LinkedHashMap<>();
        Map<String, Object> machine = BenchResults.machine(devices);
        // Other work on the machine slows CPU merges: the 1-minute load average says how much.
        machine.put("cpu_model", cpuModel());
        machine.put("load_average_before", loadBefore);
        machine.put("load_average_after", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        file.put("machine", machine);
        file.put("date", Instant.now().toString());
        file.put("models", "2 x %s %s llama (%s), embedding %d, %d layers, ffn %d, vocabulary %d; output F16 (norms F32)"
                .formatted(shape.name(), shape.tensorType(), shape.tiedEmbeddings() ? "tied embeddings" : "own output matrix",
                        shape.embeddingLength(), shape.layers(), shape.feedForwardLength(), shape.vocabulary().tokenCount()));
        file.put("timing", "best of " + repeat + " runs, each in a fresh JVM with -Xmx" + heap
                + " (JIT warm-up, plan and checks included); peak_rss_anon_mb: the largest RssAnon sampled every 20 ms");
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

    /** Whole tensors as chunks: the largest a GGUF tensor of these shapes has. */
    private static final int UNBOUNDED_CHUNK = 1 << 30;

    /** Runs one merge in a child JVM; returns {nanoseconds, input bytes, chunk elements, peak RssAnon kB}. */
    private static long[] child(String heap, Path recipe, Path output, String backend, int chunk)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path")));
        String cache = System.getProperty(StoredFixtures.CACHE_DIR_PROPERTY);
        if (cache != null) {
            command.add("-D" + StoredFixtures.CACHE_DIR_PROPERTY + "=" + cache);
        }
        command.addAll(List.of(MergeBench.class.getName(), "--child", recipe.toString(), output.toString(), backend,
                Integer.toString(chunk)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith(RESULT)) {
                    result = line.substring(RESULT.length());
                } else if (!line.contains("Using incubator modules")) {
                    System.out.println("  child: " + line);
                }
            }
        }
        if (process.waitFor() != 0 || result == null) {
            throw new IllegalStateException("the merge child failed (exit " + process.exitValue() + "): " + command);
        }
        return java.util.Arrays.stream(result.split(" ")).mapToLong(Long::parseLong).toArray();
    }

    /** The child: one merge, with its peak RssAnon sampled beside it. */
    private static void child(String[] args) throws IOException {
        Path recipe = Path.of(args[1]);
        Path output = Path.of(args[2]);
        int chunk = Integer.parseInt(args[4]);
        long[] peak = {rssAnonKilobytes()};
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak[0] = Math.max(peak[0], rssAnonKilobytes());
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        MergeSummary summary;
        try (MergeKernels kernels = MergeBackends.open(MergeBackend.parse(args[3]))) {
            summary = MergePipeline.run(RecipeParser.parse(recipe), output, kernels, MergeProgress.NONE, chunk);
        }
        sampler.interrupt();
        peak[0] = Math.max(peak[0], rssAnonKilobytes());
        System.out.println(RESULT + Math.round(summary.seconds() * 1e9) + " " + summary.inputBytes() + " "
                + summary.chunkLength() + " " + peak[0]);
    }

    /** lscpu's model name, from /proc/cpuinfo. */
    private static String cpuModel() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(line -> line.startsWith("model name")).map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** {@code RssAnon} of this process in kB, from /proc (0 where there is none). */
    private static long rssAnonKilobytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
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
