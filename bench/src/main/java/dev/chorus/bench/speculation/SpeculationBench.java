package dev.chorus.bench.speculation;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.SpeculationStats;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufRequantizer;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Speculative decoding against the same collaboration decoding token by token, A/B interleaved in one run: per round
 * and prompt, the same greedy request (prompt cache off) with {@code "speculative": false} and without, the order
 * alternating from pair to pair. The collaboration is one model ({@code single}) or a linear ensemble of equal weights
 * of the members given, drafted by {@code --draft} (requantized to {@code --draft-type} first when given, e.g. the base
 * model's Q4_0 copy) on one thread. Prompts are the first {@code --prompt-tokens} tokens of windows of
 * the held-out sets ({@code heldout-kjv.i32}, {@code heldout-pydocs.i32}: 32 windows of 512 tokens, BOS first), taken
 * alternately from each. Reports tokens/s of each, their ratio per pair with its median, the acceptance rate and mean
 * accepted length, the load average before and after, the machine and the date, to
 * {@code <out>/speculation-<label>-<cpu>-<date>.json}.
 *
 * <p>A model may be {@code fixture:llama-1b} (a random-weight fixture of that shape, {@code FixtureModels}), e.g. drafted by
 * {@code --draft fixture:llama-1b --draft-type Q4_0}: a model and its quantised copy agree on most tokens.
 *
 * <p>Arguments: {@code --members FILE[,FILE...] --draft FILE --label NAME [--draft-type Q4_0] [--heldout DIR]
 * [--tokens 128] [--rounds 3] [--prompts 8] [--prompt-tokens 32] [--draft-tokens 8] [--out DIR]}.
 *
 * <p>The draft decodes up to {@code draft_tokens} tiny batches per step, so it is the first to suffer when its threads
 * outnumber the free cores (ggml's workers spin at barriers). The members follow the CPU budget that shrinks with the
 * load ({@code CpuBudget}, no {@code scheduler.threads} here); the draft has {@code threads: 1}: on a loaded 2-core
 * machine a fixed budget of 2 threads made drafted requests run at 2-13 tokens/s (it looked like a hang in
 * {@code DraftProposer.propose}), and even the adaptive budget, which follows the load over 200 ms, let the draft's
 * bursts of one-token decodes run on 2 contended threads.
 */
public final class SpeculationBench {
    private static final String[] HELDOUT_SETS = {"heldout-kjv.i32", "heldout-pydocs.i32"};
    private static final int WINDOW = 512;
    private static final String FIXTURE = "fixture:";

    private SpeculationBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        List<Path> members = Arrays.stream(options.get("members").split(",")).map(SpeculationBench::model).toList();
        Path draft = model(options.get("draft"));
        Optional<GgmlType> draftType = Optional.ofNullable(options.get("draft-type")).map(GgmlType::valueOf);
        String label = options.get("label");
        Path heldout = Path.of(options.getOrDefault("heldout", "../shared/models"));
        int tokens = Integer.parseInt(options.getOrDefault("tokens", "128"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int promptCount = Integer.parseInt(options.getOrDefault("prompts", "8"));
        int promptTokens = Integer.parseInt(options.getOrDefault("prompt-tokens", "32"));
        int draftTokens = Integer.parseInt(options.getOrDefault("draft-tokens", "8"));
        Path out = Path.of(options.getOrDefault("out", "bench/results"));
        List<int[]> prompts = heldOutPrompts(heldout, promptCount, promptTokens);
        Path requantized = Files.createTempFile("speculation-draft", ".gguf");
        if (draftType.isPresent()) {
            GgufRequantizer.requantize(draft, requantized, draftType.get(), done -> { });
        }
        Path config = Files.createTempFile("speculation-bench", ".yaml");
        Files.writeString(config, config(members, draftType.isPresent() ? requantized : draft, draftTokens));
        double loadBefore = BenchResults.loadAverage();
        List<Map<String, Object>> pairs = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        SpeculationStats stats;
        try (Engine engine = Engine.start(EngineConfig.load(config))) {
            GenerationRequest warm = GenerationRequest.of(Prompt.tokens(prompts.getFirst()), 8);
            engine.submit("drafted", warm.withSpeculative(false)).await();
            engine.submit("drafted", warm).await();
            SpeculationStats warmed = engine.speculationStats("drafted");
            for (int round = 0; round < rounds; round++) {
                for (int p = 0; p < prompts.size(); p++) {
                    GenerationRequest request = GenerationRequest.of(Prompt.tokens(prompts.get(p)), tokens)
                            .withSampling(Sampling.GREEDY).withCachePrompt(false);
                    boolean plainFirst = pairs.size() % 2 == 0;
                    double plain = plainFirst ? tokensPerSecond(engine, request.withSpeculative(false)) : 0;
                    double drafted = tokensPerSecond(engine, request);
                    plain = plainFirst ? plain : tokensPerSecond(engine, request.withSpeculative(false));
                    ratios.add(drafted / plain);
                    pairs.add(Map.of("round", round, "prompt", p, "set", HELDOUT_SETS[p % 2], "plain_tps", plain,
                            "speculative_tps", drafted, "ratio", drafted / plain));
                }
            }
            SpeculationStats total = engine.speculationStats("drafted");
            stats = new SpeculationStats(total.verifications() - warmed.verifications(),
                    total.proposedTokens() - warmed.proposedTokens(), total.acceptedTokens() - warmed.acceptedTokens());
        } finally {
            Files.deleteIfExists(config);
            Files.deleteIfExists(requantized);
        }
        double[] sorted = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "speculative decoding vs the same collaboration token by token, greedy, A/B interleaved");
        json.put("date", Instant.now().toString());
        json.put("machine", BenchResults.machine(Map.of("cpu", BenchResults.cpuName())));
        json.put("collaboration", members.size() == 1 ? "single" : "ensemble, linear, equal weights");
        json.put("members", members.stream().map(path -> path.getFileName().toString()).toList());
        json.put("draft", draft.getFileName() + draftType.map(type -> " requantized to " + type).orElse("")
                + ", threads: 1");
        json.put("prompts", prompts.size() + " held-out windows (alternately kjv, pydocs), first " + promptTokens
                + " tokens");
        json.put("new_tokens", tokens);
        json.put("draft_tokens", draftTokens);
        json.put("rounds", rounds);
        json.put("load_average_before", loadBefore);
        json.put("load_average_after", BenchResults.loadAverage());
        json.put("median_ratio", median);
        json.put("acceptance_rate", stats.acceptanceRate());
        json.put("mean_accepted_length", stats.meanAcceptedLength());
        json.put("verifications", stats.verifications());
        json.put("pairs", pairs);
        System.out.printf("%s: median ratio %.3f (%s), acceptance %.3f, mean accepted length %.2f%n", label, median,
                Arrays.toString(sorted), stats.acceptanceRate(), stats.meanAcceptedLength());
        BenchResults.write(BenchResults.file(out, "speculation-" + label, BenchResults.cpuName()), json);
    }

    /** {@code --name value} pairs, by name. */
    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return options;
    }

    /** One collaboration {@code drafted}: the lone member with the draft, or the members' linear pool with it. */
    private static String config(List<Path> members, Path draft, int draftTokens) {
        StringBuilder yaml = new StringBuilder("models:\n");
        for (int m = 0; m < members.size(); m++) {
            yaml.append("  m").append(m).append(": { path: ").append(members.get(m)).append(", context: 512, slots: 1 }\n");
        }
        yaml.append("  draft: { path: ").append(draft).append(", context: 512, slots: 1, threads: 1 }\n")
                .append("collaborations:\n");
        if (members.size() == 1) {
            yaml.append("  drafted: { kind: single, model: m0");
        } else {
            yaml.append("  drafted: { kind: ensemble, method: linear, members: [ ");
            for (int m = 0; m < members.size(); m++) {
                yaml.append(m == 0 ? "" : ", ").append("{ model: m").append(m).append(" }");
            }
            yaml.append(" ]");
        }
        return yaml.append(", draft: draft, draft_tokens: ").append(draftTokens).append(" }\n")
                .append("scheduler: { fusion_backend: java }\n").toString();
    }

    /** A GGUF file, or {@code fixture:NAME} for a fixture of that shape ({@link FixtureModel#named}), made now. */
    private static Path model(String name) {
        return name.startsWith(FIXTURE) ? FixtureModels.cached(FixtureModel.named(name.substring(FIXTURE.length())))
                : Path.of(name).toAbsolutePath();
    }

    /** {@code count} prompts, alternately from each held-out set, spread over its windows. */
    private static List<int[]> heldOutPrompts(Path folder, int count, int length) throws Exception {
        List<int[]> prompts = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            IntBuffer tokens = ByteBuffer.wrap(Files.readAllBytes(folder.resolve(HELDOUT_SETS[p % 2])))
                    .order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            int windows = tokens.capacity() / WINDOW;
            int[] prompt = new int[length];
            tokens.get((p / 2 * windows / ((count + 1) / 2)) * WINDOW, prompt);
            prompts.add(prompt);
        }
        return prompts;
    }

    private static double tokensPerSecond(Engine engine, GenerationRequest request) throws Exception {
        long start = System.nanoTime();
        Completion completion = engine.submit("drafted", request).await();
        return completion.tokens().size() / ((System.nanoTime() - start) / 1e9);
    }
}
