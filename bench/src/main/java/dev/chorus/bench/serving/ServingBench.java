package dev.chorus.bench.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.chorus.bench.BenchResults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Serving benchmark of whole server processes on loopback, each measured the same way over OpenAI's wire format, in
 * interleaved rounds (A, B, C, A, B, C, ...) so that a noisy machine affects all alike; ratios are of medians.
 * Targets: {@code new} (this build's {@code bin/chorus serve}), optionally {@code before} (another build, e.g. the
 * commit before the shared runtime) and {@code llama-server} (built from the same llama.cpp source, serving the demo
 * model alone). Per round and target:
 * <ul>
 *   <li>{@code ready_s} and {@code rss_kib} after load (the process and its children, 1 s after the first healthy
 *       answer);</li>
 *   <li>{@code mixed_tps}: 4 streams to {@code kjv} and 4 to {@code experts} at once (Chorus only);</li>
 *   <li>{@code single_tps_1}, {@code single_tps_8}: 1 and 8 streams to the demo model {@code kjv};</li>
 *   <li>{@code ttft_cached_s}, {@code ttft_uncached_s}: time to first token of a chat turn resending a ~400-token
 *       history, after the same history was sent once, with {@code cache_prompt} true and false (targets that know
 *       the field);</li>
 *   <li>{@code hog_tps}, {@code quiet_tps}: one stream to {@code kjv} while a busy loop holds one core, and
 *       without.</li>
 * </ul>
 * Writes {@code <out>/serving-<cpu>-<date>.json}. Usage: {@code ServingBench --chorus bin/chorus --config chorus.yaml
 * [--before other/bin/chorus] [--llama-server path --llama-model kjv.gguf] [--rounds 3] [--seconds 10] --out dir}.
 */
public final class ServingBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOKENS = 128;
    private static final Duration SETTLE = Duration.ofSeconds(1);

    private ServingBench() {
    }

    private record Target(String name, boolean chorus, boolean knowsCachePrompt, Function<Integer, List<String>> command) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path out = Path.of(options.getOrDefault("--out", "bench/results"));
        int rounds = Integer.parseInt(options.getOrDefault("--rounds", "3"));
        double seconds = Double.parseDouble(options.getOrDefault("--seconds", "10"));
        String config = options.get("--config");
        List<Target> targets = new ArrayList<>();
        targets.add(chorus("new", options.get("--chorus"), config, true));
        if (options.containsKey("--before")) {
            targets.add(chorus("before", options.get("--before"), config, false));
        }
        if (options.containsKey("--llama-server")) {
            String server = options.get("--llama-server");
            String model = options.get("--llama-model");
            targets.add(new Target("llama-server", false, true, port -> List.of(server, "-m", model, "--host",
                    "127.0.0.1", "--port", Integer.toString(port), "-c", "2048", "-np", "4", "--no-webui")));
        }
        Path log = Files.createTempFile("serving-bench", ".log");
        Map<String, Map<String, List<Double>>> figures = new LinkedHashMap<>();
        String loadStart = loadAverage();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            int port = 18_300;
            for (int round = 0; round < rounds; round++) {
                for (Target target : targets) {
                    port++;
                    System.out.printf("round %d: %s (load %s)%n", round + 1, target.name(), loadAverage());
                    Map<String, Double> measured = measure(target, port, http, log, seconds);
                    measured.forEach((key, value) -> figures.computeIfAbsent(target.name(), name -> new LinkedHashMap<>())
                            .computeIfAbsent(key, name -> new ArrayList<>()).add(value));
                    System.out.println("  " + measured);
                }
            }
        }
        Map<String, Object> file = new LinkedHashMap<>();
        String cpu = cpuModel();
        file.put("machine", BenchResults.machine(Map.of("cpu", cpu)));
        file.put("date", Instant.now().toString());
        file.put("load_average_start", loadStart);
        file.put("load_average_end", loadAverage());
        file.put("settings", Map.of("rounds", rounds, "seconds_per_phase", seconds, "max_tokens", MAX_TOKENS,
                "config", String.valueOf(config), "targets", targets.stream().map(Target::name).toList()));
        Map<String, Map<String, Double>> medians = new LinkedHashMap<>();
        figures.forEach((target, values) -> {
            Map<String, Double> row = new LinkedHashMap<>();
            values.forEach((key, list) -> row.put(key, median(list)));
            medians.put(target, row);
        });
        file.put("rounds", figures);
        file.put("medians", medians);
        file.put("ratios", ratios(medians));
        BenchResults.write(BenchResults.file(out, "serving", cpu), file);
    }

    private static Target chorus(String name, String launcher, String config, boolean knowsCachePrompt) {
        return new Target(name, true, knowsCachePrompt, port -> List.of(launcher, "serve", "-c", config, "--port",
                Integer.toString(port)));
    }

    private static Map<String, Double> measure(Target target, int port, HttpClient http, Path log, double seconds)
            throws IOException, InterruptedException {
        Map<String, Double> measured = new LinkedHashMap<>();
        URI base = URI.create("http://127.0.0.1:" + port);
        try (ServerProcess server = ServerProcess.start(target.command().apply(port), base, log, http)) {
            measured.put("ready_s", server.readySeconds());
            Thread.sleep(SETTLE);
            measured.put("rss_kib", (double) server.residentKiB());
            ChatLoad load = new ChatLoad(http, base);
            if (target.chorus()) {
                measured.put("mixed_tps", load.tokensPerSecond(Map.of("kjv", 4, "experts", 4), MAX_TOKENS, seconds));
            }
            measured.put("single_tps_1", load.tokensPerSecond(Map.of("kjv", 1), MAX_TOKENS, seconds));
            measured.put("single_tps_8", load.tokensPerSecond(Map.of("kjv", 8), MAX_TOKENS, seconds));
            if (target.knowsCachePrompt()) {
                ArrayNode history = history();
                load.timeToFirstToken(history, true);
                List<Double> cached = new ArrayList<>();
                List<Double> uncached = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    uncached.add(load.timeToFirstToken(history, false));
                    load.timeToFirstToken(history, true);
                    cached.add(load.timeToFirstToken(history, true));
                }
                measured.put("ttft_cached_s", median(cached));
                measured.put("ttft_uncached_s", median(uncached));
            }
            measured.put("quiet_tps", load.tokensPerSecond(Map.of("kjv", 1), MAX_TOKENS, seconds));
            Process hog = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
            try {
                measured.put("hog_tps", load.tokensPerSecond(Map.of("kjv", 1), MAX_TOKENS, seconds));
            } finally {
                hog.destroyForcibly().waitFor();
            }
        }
        return measured;
    }

    /** A chat of about 400 tokens of earlier turns, then a new question. */
    private static ArrayNode history() {
        ArrayNode messages = JSON.createArrayNode();
        String verse = "And God said, Let there be light: and there was light. And God saw the light, that it was good:"
                + " and God divided the light from the darkness. ";
        for (int turn = 0; turn < 3; turn++) {
            messages.addObject().put("role", "user").put("content", "Tell me verse " + (turn + 1) + ". " + verse);
            messages.addObject().put("role", "assistant").put("content", verse + verse);
        }
        messages.addObject().put("role", "user").put("content", "And what came after?");
        return messages;
    }

    private static Map<String, Double> ratios(Map<String, Map<String, Double>> medians) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        Map<String, Double> current = medians.get("new");
        Map<String, Double> before = medians.get("before");
        Map<String, Double> llama = medians.get("llama-server");
        if (before != null) {
            ratios.put("mixed_tps_new_over_before", current.get("mixed_tps") / before.get("mixed_tps"));
            ratios.put("rss_new_over_before", current.get("rss_kib") / before.get("rss_kib"));
            ratios.put("hog_over_quiet_before", before.get("hog_tps") / before.get("quiet_tps"));
        }
        if (llama != null) {
            ratios.put("single_tps_1_over_llama_server", current.get("single_tps_1") / llama.get("single_tps_1"));
            ratios.put("single_tps_8_over_llama_server", current.get("single_tps_8") / llama.get("single_tps_8"));
            ratios.put("rss_over_llama_server", current.get("rss_kib") / llama.get("rss_kib"));
        }
        ratios.put("ttft_uncached_over_cached", current.get("ttft_uncached_s") / current.get("ttft_cached_s"));
        ratios.put("hog_over_quiet", current.get("hog_tps") / current.get("quiet_tps"));
        return ratios;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse("cpu");
    }

    private static Map<String, String> options(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("options come in pairs: " + Arrays.toString(args));
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        for (String required : List.of("--chorus", "--config")) {
            if (!options.containsKey(required)) {
                throw new IllegalArgumentException(required + " is required");
            }
        }
        return options;
    }
}
