package dev.chorus.bench.speculation;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Engine;
import dev.chorus.engine.GateStats;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.config.EngineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gated fusion against the plain ensemble, A/B interleaved in one run: per round and prompt, the same greedy request
 * (prompt cache off) to the linear pool of the two experts and to the pool gated by the kjv expert at each threshold.
 * Reports tokens/s, the ratio gated ÷ plain per pair with its median per threshold, the skipped-fusion share, the load
 * average before and after, the machine and the date, to {@code <out>/gate-<cpu>-<date>.json}.
 *
 * <p>Arguments: {@code --kjv FILE --pydocs FILE [--tokens 128] [--rounds 2] [--thresholds 0.5,0.9] [--out DIR]}.
 */
public final class GateBench {
    private static final String MEMBERS = "members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]";

    private GateBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = SpeculationBench.options(args);
        Path kjv = Path.of(options.get("kjv")).toAbsolutePath();
        Path pydocs = Path.of(options.get("pydocs")).toAbsolutePath();
        int tokens = Integer.parseInt(options.getOrDefault("tokens", "128"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
        List<String> thresholds = List.of(options.getOrDefault("thresholds", "0.5,0.9").split(","));
        Path out = Path.of(options.getOrDefault("out", "bench/results"));
        StringBuilder yaml = new StringBuilder("""
                models:
                  kjv:    { path: %s, context: 512, slots: 1 }
                  pydocs: { path: %s, context: 512, slots: 1 }
                collaborations:
                  plain: { kind: ensemble, %s }
                """.formatted(kjv, pydocs, MEMBERS));
        for (String threshold : thresholds) {
            yaml.append("  gated-%s: { kind: ensemble, %s, gate: { lead: kjv, threshold: %s } }\n"
                    .formatted(threshold, MEMBERS, threshold));
        }
        yaml.append("scheduler: { fusion_backend: java }\n");
        Path config = Files.createTempFile("gate-bench", ".yaml");
        Files.writeString(config, yaml);
        double loadBefore = BenchResults.loadAverage();
        List<Map<String, Object>> pairs = new ArrayList<>();
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        try (Engine engine = Engine.start(EngineConfig.load(config))) {
            GenerationRequest warm = GenerationRequest.of(Prompt.text(SpeculationBench.PROMPTS[0]), 8);
            engine.submit("plain", warm).await();
            for (int round = 0; round < rounds; round++) {
                for (String text : SpeculationBench.PROMPTS) {
                    GenerationRequest request = GenerationRequest.of(Prompt.text(text), tokens)
                            .withSampling(Sampling.GREEDY).withCachePrompt(false);
                    double plain = SpeculationBench.tokensPerSecond(engine, "plain", request);
                    for (String threshold : thresholds) {
                        double gated = SpeculationBench.tokensPerSecond(engine, "gated-" + threshold, request);
                        ratios.computeIfAbsent(threshold, t -> new ArrayList<>()).add(gated / plain);
                        pairs.add(Map.of("round", round, "prompt", text, "threshold", threshold, "plain_tps", plain,
                                "gated_tps", gated, "ratio", gated / plain));
                    }
                }
            }
            for (String threshold : thresholds) {
                GateStats stats = engine.stats("gated-" + threshold).gate();
                double[] sorted = ratios.get(threshold).stream().mapToDouble(Double::doubleValue).sorted().toArray();
                summary.put(threshold, Map.of("median_ratio", sorted[sorted.length / 2], "min_ratio", sorted[0],
                        "max_ratio", sorted[sorted.length - 1], "skipped_share", stats.skippedShare(),
                        "tokens", stats.tokens()));
            }
        } finally {
            Files.deleteIfExists(config);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "gated fusion (lead kjv) vs the plain linear pool of the two experts, greedy, A/B"
                + " interleaved");
        json.put("date", Instant.now().toString());
        json.put("machine", BenchResults.machine(Map.of("cpu", BenchResults.cpuName())));
        json.put("models", List.of(kjv.getFileName().toString(), pydocs.getFileName().toString()));
        json.put("new_tokens", tokens);
        json.put("load_average_before", loadBefore);
        json.put("load_average_after", BenchResults.loadAverage());
        json.put("by_threshold", summary);
        json.put("pairs", pairs);
        System.out.println(summary);
        BenchResults.write(BenchResults.file(out, "gate", BenchResults.cpuName()), json);
    }
}
