package dev.chorus.bench.speculation;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.SpeculationStats;
import dev.chorus.engine.config.EngineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draft-model speculative decoding against the model alone, A/B interleaved in one run: per round and prompt, the same
 * greedy request (prompt cache off) to the model and to a {@code single} collaboration of it with a draft. Reports
 * tokens/s of each, their ratio per pair with its median, the acceptance rate, the load average before and after,
 * the machine and the date, to {@code <out>/speculation-<cpu>-<date>.json}.
 *
 * <p>Arguments: {@code --model FILE --draft FILE [--tokens 128] [--rounds 3] [--draft-tokens 8] [--out DIR]}.
 *
 * <p>The draft decodes up to {@code draft_tokens} tiny batches per step, so it is the first to suffer when the step
 * loop's threads outnumber the free cores (ggml's workers spin at barriers): it needs the CPU budget that shrinks with
 * the load ({@code CpuBudget}, no {@code scheduler.threads} here). On a loaded 2-core machine a fixed budget of 2
 * threads made drafted requests run at 2-13 tokens/s, which looked like a hang in {@code DraftProposer.propose}.
 */
public final class SpeculationBench {
    private static final String[] PROMPTS = {"In the beginning God created", "And the LORD said unto Moses",
        "def read_file(path):", "The function returns a list of", "Blessed are the meek, for",
        "And it came to pass in those days", "Return the number of elements in", "class Parser:\n    def __init__(self"};

    private SpeculationBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path model = Path.of(options.get("model")).toAbsolutePath();
        Path draft = Path.of(options.get("draft")).toAbsolutePath();
        int tokens = Integer.parseInt(options.getOrDefault("tokens", "128"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int draftTokens = Integer.parseInt(options.getOrDefault("draft-tokens", "8"));
        Path out = Path.of(options.getOrDefault("out", "bench/results"));
        Path config = Files.createTempFile("speculation-bench", ".yaml");
        Files.writeString(config, """
                models:
                  target: { path: %s, context: 512, slots: 1 }
                  draft:  { path: %s, context: 512, slots: 1 }
                collaborations:
                  drafted: { kind: single, model: target, draft: draft, draft_tokens: %d }
                scheduler: { fusion_backend: java }
                """.formatted(model, draft, draftTokens));
        double loadBefore = BenchResults.loadAverage();
        List<Map<String, Object>> pairs = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        SpeculationStats stats;
        try (Engine engine = Engine.start(EngineConfig.load(config))) {
            GenerationRequest warm = GenerationRequest.of(Prompt.text(PROMPTS[0]), 8);
            engine.submit("target", warm).await();
            engine.submit("drafted", warm).await();
            for (int round = 0; round < rounds; round++) {
                for (String text : PROMPTS) {
                    GenerationRequest request = GenerationRequest.of(Prompt.text(text), tokens)
                            .withSampling(Sampling.GREEDY).withCachePrompt(false);
                    double alone = tokensPerSecond(engine, "target", request);
                    double drafted = tokensPerSecond(engine, "drafted", request);
                    ratios.add(drafted / alone);
                    pairs.add(Map.of("round", round, "prompt", text, "alone_tps", alone, "drafted_tps", drafted,
                            "ratio", drafted / alone));
                }
            }
            stats = engine.speculationStats("drafted");
        } finally {
            Files.deleteIfExists(config);
        }
        double[] sorted = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "draft-model speculative decoding vs the model alone, greedy, A/B interleaved");
        json.put("date", Instant.now().toString());
        json.put("machine", BenchResults.machine(Map.of("cpu", BenchResults.cpuName())));
        json.put("model", model.getFileName().toString());
        json.put("draft", draft.getFileName().toString());
        json.put("new_tokens", tokens);
        json.put("draft_tokens", draftTokens);
        json.put("load_average_before", loadBefore);
        json.put("load_average_after", BenchResults.loadAverage());
        json.put("median_ratio", sorted[sorted.length / 2]);
        json.put("acceptance_rate", stats.acceptanceRate());
        json.put("mean_accepted_length", stats.meanAcceptedLength());
        json.put("verifications", stats.verifications());
        json.put("pairs", pairs);
        System.out.printf("median ratio %.3f (%s), acceptance %.3f%n", sorted[sorted.length / 2],
                Arrays.toString(sorted), stats.acceptanceRate());
        BenchResults.write(BenchResults.file(out, "speculation", BenchResults.cpuName()), json);
    }

    private static double tokensPerSecond(Engine engine, String name, GenerationRequest request) throws Exception {
        long start = System.nanoTime();
        Completion completion = engine.submit(name, request).await();
        return completion.tokens().size() / ((System.nanoTime() - start) / 1e9);
    }
}
