package dev.chorus.bench.engine;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Leak check: {@code --requests N} (default 1000) sequential seeded requests on one collaboration of a config,
 * sampling the process's resident memory ({@code VmRSS}) every {@code --every} requests after a warm-up.
 * Native leaks (batches, contexts, KV cells, fusion buffers) show as RSS that keeps climbing; the Java heap is
 * bounded by {@code -Xmx}. Writes {@code <out>/engine-soak-<device>-<date>.json}.
 *
 * <p>Arguments: {@code --config FILE} {@code --model NAME} [{@code --requests N}] [{@code --every N}]
 * [{@code --max-tokens N}] [{@code --out DIR}].
 */
public final class EngineSoak {
    private EngineSoak() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--requests", "1000", "--every", "100",
                "--max-tokens", "16", "--out", "bench/results"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        if (!options.containsKey("--config") || !options.containsKey("--model") || args.length % 2 != 0) {
            throw new IllegalArgumentException("usage: EngineSoak --config FILE --model NAME [--requests N] [--every N]"
                    + " [--max-tokens N] [--out DIR]");
        }
        int requests = Integer.parseInt(options.get("--requests"));
        int every = Integer.parseInt(options.get("--every"));
        String model = options.get("--model");
        List<Map<String, Object>> samples = new ArrayList<>();
        long warmRss;
        try (Engine engine = Engine.start(Path.of(options.get("--config")))) {
            GenerationRequest request = GenerationRequest.of(new Prompt.Text("And it came to pass"),
                    Integer.parseInt(options.get("--max-tokens")));
            for (int i = 0; i < every; i++) { // warm-up: JIT, allocator pools, llama.cpp graph reservations
                complete(engine, model, request, i);
            }
            warmRss = residentKilobytes();
            long start = System.nanoTime();
            for (int i = 1; i <= requests; i++) {
                complete(engine, model, request, i);
                if (i % every == 0) {
                    Map<String, Object> sample = new LinkedHashMap<>();
                    sample.put("requests", i);
                    sample.put("rss_kib", residentKilobytes());
                    sample.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
                    samples.add(sample);
                    System.out.println(sample);
                }
            }
        }
        long lastRss = (long) samples.getLast().get("rss_kib");
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("machine", BenchResults.machine(Map.of()));
        file.put("date", Instant.now().toString());
        file.put("model", model);
        file.put("requests", requests);
        file.put("rss_after_warmup_kib", warmRss);
        file.put("rss_growth_kib", lastRss - warmRss);
        file.put("samples", samples);
        BenchResults.write(BenchResults.file(Path.of(options.get("--out")), "engine-soak", "cpu"), file);
    }

    private static void complete(Engine engine, String model, GenerationRequest request, int seed)
            throws InterruptedException {
        Completion completion = engine.submit(model, request.withSampling(Sampling.sampled(0.8, seed))).await();
        if (completion.error().isPresent()) {
            throw new IllegalStateException("request " + seed + " failed: " + completion.error().get());
        }
    }

    private static long residentKilobytes() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmRSS:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                .findFirst().orElseThrow(() -> new IOException("no VmRSS in /proc/self/status"));
    }
}
