package dev.chorus.bench.speculation;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Engine;
import dev.chorus.engine.GateStats;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.SchedulerStats;
import dev.chorus.engine.config.EngineConfig;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Gated fusion against the plain ensemble, A/B interleaved in one run: per round and prompt, the same greedy request
 * (prompt cache off) to the linear pool of the two experts and to the pool gated by the kjv expert at each threshold.
 * Reports tokens/s and the process's CPU time per token, the ratios gated ÷ plain per pair with their medians per
 * threshold, the skipped-fusion share, the load average before and after, the machine and the date, to
 * {@code <out>/gate-<cpu>-<date>.json}. On a machine whose cores each decode one member at once, skipping a member
 * saves its CPU time more than wall time: the plain pool's members decode in parallel.
 *
 * <p>Arguments: {@code --kjv FILE --pydocs FILE [--base FILE] [--tokens 128] [--rounds 2] [--thresholds 0.5,0.9]
 * [--out DIR]}; with {@code --base} the pool has a third member, the base model (more members than the VM's cores).
 */
public final class GateBench {
    /** Half scripture, half Python documentation: both experts' domains. */
    private static final String[] PROMPTS = {"In the beginning God created", "And the LORD said unto Moses",
        "def read_file(path):", "The function returns a list of", "Blessed are the meek, for",
        "And it came to pass in those days", "Return the number of elements in", "class Parser:\n    def __init__(self"};

    private GateBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = SpeculationBench.options(args);
        Path kjv = Path.of(options.get("kjv")).toAbsolutePath();
        Path pydocs = Path.of(options.get("pydocs")).toAbsolutePath();
        Optional<Path> base = Optional.ofNullable(options.get("base")).map(file -> Path.of(file).toAbsolutePath());
        int tokens = Integer.parseInt(options.getOrDefault("tokens", "128"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
        List<String> thresholds = List.of(options.getOrDefault("thresholds", "0.5,0.9").split(","));
        Path out = Path.of(options.getOrDefault("out", "bench/results"));
        String members = "members: [ { model: kjv }, { model: pydocs }" + (base.isPresent() ? ", { model: base } ]" : " ]");
        StringBuilder yaml = new StringBuilder("""
                models:
                  kjv:    { path: %s, context: 512, slots: 1 }
                  pydocs: { path: %s, context: 512, slots: 1 }
                """.formatted(kjv, pydocs));
        base.ifPresent(file -> yaml.append("  base:   { path: %s, context: 512, slots: 1 }\n".formatted(file)));
        yaml.append("collaborations:\n  plain: { kind: ensemble, %s }\n".formatted(members));
        for (String threshold : thresholds) {
            yaml.append("  gated-%s: { kind: ensemble, %s, gate: { lead: kjv, threshold: %s } }\n"
                    .formatted(threshold, members, threshold));
        }
        yaml.append("scheduler: { fusion_backend: java }\n");
        Path config = Files.createTempFile("gate-bench", ".yaml");
        Files.writeString(config, yaml);
        double loadBefore = BenchResults.loadAverage();
        List<Map<String, Object>> pairs = new ArrayList<>();
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        Map<String, List<Double>> cpuRatios = new LinkedHashMap<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        Map<String, Object> steps = new LinkedHashMap<>();
        try (Engine engine = Engine.start(EngineConfig.load(config))) {
            GenerationRequest warm = GenerationRequest.of(Prompt.text(PROMPTS[0]), 8);
            engine.submit("plain", warm).await();
            for (int round = 0; round < rounds; round++) {
                for (String text : PROMPTS) {
                    GenerationRequest request = GenerationRequest.of(Prompt.text(text), tokens)
                            .withSampling(Sampling.GREEDY).withCachePrompt(false);
                    Run plain = Run.of(engine, "plain", request);
                    for (String threshold : thresholds) {
                        Run gated = Run.of(engine, "gated-" + threshold, request);
                        ratios.computeIfAbsent(threshold, t -> new ArrayList<>()).add(gated.tps() / plain.tps());
                        cpuRatios.computeIfAbsent(threshold, t -> new ArrayList<>())
                                .add(plain.cpuPerToken() / gated.cpuPerToken());
                        pairs.add(Map.of("round", round, "prompt", text, "threshold", threshold,
                                "plain_tps", plain.tps(), "gated_tps", gated.tps(), "ratio", gated.tps() / plain.tps(),
                                "plain_cpu_ms_per_token", plain.cpuPerToken() * 1e3,
                                "gated_cpu_ms_per_token", gated.cpuPerToken() * 1e3));
                    }
                }
            }
            steps.put("plain", steps(engine.stats("plain")));
            for (String threshold : thresholds) {
                steps.put("gated-" + threshold, steps(engine.stats("gated-" + threshold)));
                GateStats stats = engine.stats("gated-" + threshold).gate();
                double[] sorted = sorted(ratios.get(threshold));
                double[] cpu = sorted(cpuRatios.get(threshold));
                summary.put(threshold, Map.of("median_ratio", sorted[sorted.length / 2], "min_ratio", sorted[0],
                        "max_ratio", sorted[sorted.length - 1],
                        "median_cpu_saving", cpu[cpu.length / 2], "min_cpu_saving", cpu[0],
                        "max_cpu_saving", cpu[cpu.length - 1],
                        "skipped_share", stats.skippedShare(), "tokens", stats.tokens()));
            }
        } finally {
            Files.deleteIfExists(config);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "gated fusion (lead kjv) vs the plain linear pool (equal weights) of the two experts"
                + base.map(file -> " and the base").orElse("") + ", greedy, A/B interleaved");
        json.put("date", Instant.now().toString());
        json.put("machine", BenchResults.machine(Map.of("cpu", BenchResults.cpuName())));
        json.put("models", Stream.concat(Stream.of(kjv, pydocs), base.stream()).map(file -> file.getFileName().toString())
                .toList());
        json.put("new_tokens", tokens);
        json.put("load_average_before", loadBefore);
        json.put("load_average_after", BenchResults.loadAverage());
        json.put("ratio", "gated tokens/s ÷ plain tokens/s");
        json.put("cpu_saving", "plain CPU time per token ÷ gated CPU time per token (the whole process)");
        json.put("by_threshold", summary);
        json.put("steps", steps);
        json.put("pairs", pairs);
        System.out.println(summary);
        BenchResults.write(BenchResults.file(out, base.isPresent() ? "gate-3" : "gate", BenchResults.cpuName()), json);
    }

    /** Where a collaboration's steps went: per step, decode and fusion milliseconds; steps per token. */
    private static Map<String, Object> steps(SchedulerStats stats) {
        return Map.of("steps", stats.steps(), "tokens_sampled", stats.tokens(),
                "decode_ms_per_step", stats.decodeNanos() / 1e6 / stats.steps(),
                "fusion_ms_per_step", stats.fusionNanos() / 1e6 / stats.steps());
    }

    private static double[] sorted(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** One request's tokens per second and the process's CPU seconds per token while it ran. */
    private record Run(double tps, double cpuPerToken) {
        static Run of(Engine engine, String name, GenerationRequest request) throws Exception {
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu = os.getProcessCpuTime();
            long start = System.nanoTime();
            int tokens = engine.submit(name, request).await().tokens().size();
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Run(tokens / seconds, (os.getProcessCpuTime() - cpu) / 1e9 / tokens);
        }
    }
}
