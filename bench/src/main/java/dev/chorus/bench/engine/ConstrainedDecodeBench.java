package dev.chorus.bench.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Completion;
import dev.chorus.engine.Constraint;
import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.SchedulerStats;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.kernels.fusion.SamplingParams;
import dev.chorus.engine.constraint.JsonSchemaGrammar;
import dev.chorus.llama.Grammar;
import dev.chorus.llama.Vocab;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import dev.chorus.testkit.FixtureVocabulary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Decode speed with a JSON-schema constraint ÷ without, same model, same prompts, A/B interleaved (the order of the
 * two flips every round): for the shared demo model {@code kjv} (V = 32000) and a random-weight fixture with Llama 3's
 * 128256-token vocabulary ({@link #FIXTURE}), under four samplings — greedy; the server's default sampling
 * (temperature 1, no filter); llama.cpp's default filters (top-k 40, top-p 0.95, min-p 0.05 at temperature 0.8);
 * greedy with log-probabilities read. The first two may draw before masking (docs/structured-output.md,
 * "Performance"), the last two mask every step. Tokens/s is from the first token to the last (prefill excluded).
 *
 * <p>First a profile of where a constrained step's time goes: per step of a constrained greedy answer, the model's
 * decode and the fusion (scheduler counters), llama.cpp's grammar over the whole vocabulary ({@link Grammar#mask})
 * and over the one token drawn ({@link Grammar#allows}). Writes {@code <out>/constrained-<cpu>-<date>.json} with the
 * machine, the date and the load average before and after.
 *
 * <p>Arguments: {@code [--kjv FILE] [--models kjv,bpe] [--rounds 3] [--tokens 96] [--out DIR]}.
 */
public final class ConstrainedDecodeBench {
    /** Llama 3's vocabulary on a small body that decodes at tens of tokens/s on one core. */
    static final FixtureModel FIXTURE = FixtureModel.DEFAULT.withName("bpe-256x4").withVocabulary(FixtureVocabulary.LLAMA3_BPE)
            .withTiedEmbeddings(true).withEmbeddingLength(256).withLayers(4).withHeads(8).withFeedForwardLength(640)
            .withContextLength(512);
    private static final String SCHEMA = """
            {"type": "object", "properties": {
               "title": {"type": "string"},
               "verses": {"type": "array", "items": {"type": "object", "properties": {
                   "book": {"type": "string"}, "chapter": {"type": "integer", "minimum": 0}, "text": {"type": "string"}},
                   "required": ["book", "chapter", "text"], "additionalProperties": false}},
               "tags": {"type": "array", "items": {"enum": ["law", "psalm", "prophecy", "gospel"]}}},
             "required": ["title", "verses", "tags"], "additionalProperties": false}""";
    private static final String[] PROMPTS = {"And God said unto Moses,", "The verses of the day, as JSON:",
        "In the beginning was the Word, and"};
    private static final Map<String, LongFunction<Sampling>> SAMPLINGS = new LinkedHashMap<>();

    static {
        SAMPLINGS.put("greedy", seed -> Sampling.GREEDY);
        SAMPLINGS.put("sampled_server_defaults", seed -> Sampling.sampled(1, seed));
        SAMPLINGS.put("sampled_llama_cpp_filters", seed -> Sampling.sampled(0.8, seed).withTopK(40).withTopP(0.95)
                .withMinP(0.05));
        SAMPLINGS.put("greedy_logprobs", seed -> Sampling.GREEDY);
    }

    private ConstrainedDecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--kjv", "models/chorus-kjv-13m-q8_0.gguf",
                "--rounds", "3", "--tokens", "96", "--out", "bench/results", "--models", "kjv,bpe"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        int rounds = Integer.parseInt(options.get("--rounds"));
        int tokens = Integer.parseInt(options.get("--tokens"));
        Path fixture = FixtureModels.cached(FIXTURE);
        Path config = Files.createTempFile("constrained-bench", ".yaml");
        Files.writeString(config, """
                models:
                  kjv: { path: %s, context: 512, slots: 1 }
                  bpe: { path: %s, context: 512, slots: 1 }
                scheduler: { fusion_backend: java }
                """.formatted(Path.of(options.get("--kjv")).toAbsolutePath(), fixture));
        Constraint schema = Constraint.grammar(JsonSchemaGrammar.toGbnf(new ObjectMapper().readTree(SCHEMA), "schema"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "decode tokens/s with a JSON-schema constraint / without, same model and prompts, "
                + "A/B interleaved, one stream, Java fusion backend");
        json.put("date", Instant.now().toString());
        json.put("machine", BenchResults.machine(Map.of("cpu", BenchResults.cpuName())));
        json.put("load_average_before", BenchResults.loadAverage());
        json.put("fixture", Map.of("file", "random weights, " + FIXTURE, "vocabulary", FIXTURE.vocabulary().tokenCount(),
                "parameters", FIXTURE.parameterCount()));
        json.put("schema", new ObjectMapper().readTree(SCHEMA));
        json.put("prompts", PROMPTS);
        json.put("new_tokens", tokens);
        json.put("rounds", rounds);
        Map<String, Object> models = new LinkedHashMap<>();
        try (Engine engine = Engine.start(EngineConfig.load(config))) {
            for (String model : options.get("--models").split(",")) {
                Map<String, Object> results = new LinkedHashMap<>();
                results.put("vocabulary", engine.vocab(model).size());
                results.put("profile", profile(engine, model, schema, tokens));
                results.put("cases", ratios(engine, model, schema, tokens, rounds));
                models.put(model, results);
            }
        } finally {
            Files.deleteIfExists(config);
        }
        json.put("models", models);
        json.put("load_average_after", BenchResults.loadAverage());
        BenchResults.write(BenchResults.file(Path.of(options.get("--out")), "constrained", BenchResults.cpuName()), json);
    }

    /**
     * Where a step's time goes, for one greedy answer without the constraint and one under the full mask every step:
     * the scheduler's per-step planning and decode (a masked row's grammar pass is planned with it) and its fusion
     * and delivery; then llama.cpp's grammar replayed over the constrained answer's tokens ({@link #replay}), with no
     * state's mask known and again with them kept.
     */
    private static Map<String, Object> profile(Engine engine, String model, Constraint schema, int tokens)
            throws InterruptedException {
        GenerationRequest free = GenerationRequest.of(Prompt.text(PROMPTS[0]), tokens).withCachePrompt(false);
        GenerationRequest masked = free.withConstraint(schema).withLogprobs(true);
        Map<String, Object> profile = new LinkedHashMap<>();
        Completion completion = null;
        for (GenerationRequest request : List.of(free, masked, free, masked)) {
            SchedulerStats before = engine.stats(model);
            completion = engine.submit(model, request).await();
            SchedulerStats after = engine.stats(model);
            double steps = after.steps() - before.steps();
            String arm = request == free ? "unconstrained" : "full_mask";
            profile.put(arm + "_plan_and_decode_ms_per_step", (after.decodeNanos() - before.decodeNanos()) / 1e6 / steps);
            profile.put(arm + "_fuse_and_deliver_ms_per_step", (after.fusionNanos() - before.fusionNanos()) / 1e6 / steps);
        }
        Vocab vocab = engine.vocab(model);
        // A text of its own (a comment appended) starts with no mask known: the first replay is an answer's cost the
        // first time its schema is served, the second the cost once its states' masks are kept.
        String text = schema.grammar().orElseThrow() + "\n# profile " + System.nanoTime() + "\n";
        for (String pass : List.of("first_answer", "repeated_answer")) {
            long[][] nanos = replay(vocab, text, completion.tokens());
            profile.put("grammar_mask_" + pass + "_ms_mean", mean(nanos[0]) / 1e6);
            profile.put("grammar_mask_" + pass + "_ms_median", median(nanos[0]) / 1e6);
            if (pass.equals("first_answer")) {
                profile.put("grammar_one_token_check_ms_median", median(nanos[1]) / 1e6);
                profile.put("grammar_21_token_check_ms_median", median(nanos[2]) / 1e6);
            }
        }
        profile.put("constrained_answer", completion.text());
        System.out.println(model + " profile " + profile);
        return profile;
    }

    /**
     * llama.cpp's grammar of {@code text} replayed over {@code tokens}: per token, the nanoseconds of its mask, of
     * asking about the token alone, and of asking about it and 20 others as a greedy walk does.
     */
    private static long[][] replay(Vocab vocab, String text, List<Integer> tokens) {
        float[] row = new float[vocab.size()];
        long[][] nanos = new long[3][tokens.size()];
        int[] walk = new int[SamplingParams.MAX_TOP_LOGPROBS + 1];
        try (Grammar grammar = Grammar.compile(vocab, text, "root")) {
            for (int i = 0; i < tokens.size(); i++) {
                int token = tokens.get(i);
                long start = System.nanoTime();
                grammar.mask(row);
                long maskedAt = System.nanoTime();
                grammar.allows(token);
                long checkedAt = System.nanoTime();
                for (int j = 0; j < walk.length; j++) {
                    walk[j] = (token + 7919 * j) % vocab.size();
                }
                grammar.firstAllowed(walk, walk.length);
                nanos[0][i] = maskedAt - start;
                nanos[1][i] = checkedAt - maskedAt;
                nanos[2][i] = System.nanoTime() - checkedAt;
                if (!vocab.isEog(token)) {
                    grammar.accept(token);
                }
            }
        }
        return nanos;
    }

    /** Per sampling: every round and prompt, the unconstrained and the constrained request in alternating order. */
    private static Map<String, Object> ratios(Engine engine, String model, Constraint schema, int tokens, int rounds)
            throws InterruptedException, IOException {
        Map<String, Object> cases = new LinkedHashMap<>();
        for (Map.Entry<String, LongFunction<Sampling>> sampling : SAMPLINGS.entrySet()) {
            boolean logprobs = sampling.getKey().endsWith("logprobs");
            List<Double> free = new ArrayList<>();
            List<Double> constrained = new ArrayList<>();
            List<Double> pairRatios = new ArrayList<>();
            long redrawsBefore = engine.stats(model).redraws();
            long constrainedTokens = 0;
            for (int round = -1; round < rounds; round++) {
                for (int p = 0; p < PROMPTS.length; p++) {
                    GenerationRequest request = GenerationRequest.of(Prompt.text(PROMPTS[p]), tokens)
                            .withSampling(sampling.getValue().apply(1000L * round + p)).withLogprobs(logprobs);
                    GenerationRequest withSchema = request.withConstraint(schema);
                    Run a;
                    Run b;
                    if ((round + p) % 2 == 0) {
                        a = run(engine, model, request);
                        b = run(engine, model, withSchema);
                    } else {
                        b = run(engine, model, withSchema);
                        a = run(engine, model, request);
                    }
                    constrainedTokens += b.tokens();
                    if (round >= 0) { // round −1 warms up
                        free.add(a.tokensPerSecond());
                        constrained.add(b.tokensPerSecond());
                        pairRatios.add(b.tokensPerSecond() / a.tokensPerSecond());
                    }
                }
            }
            long redraws = engine.stats(model).redraws() - redrawsBefore;
            Map<String, Object> result = new LinkedHashMap<>();
            double freeMedian = median(free);
            double constrainedMedian = median(constrained);
            result.put("unconstrained_tps_median", freeMedian);
            result.put("constrained_tps_median", constrainedMedian);
            result.put("ratio_of_medians", constrainedMedian / freeMedian);
            result.put("pair_ratio_median", median(pairRatios));
            result.put("pair_ratios", pairRatios);
            result.put("constrained_tokens", constrainedTokens);
            result.put("redrawn_tokens", redraws);
            result.put("load_average", BenchResults.loadAverage());
            System.out.println(model + " " + sampling.getKey() + " " + result);
            cases.put(sampling.getKey(), result);
        }
        return cases;
    }

    private record Run(int tokens, double tokensPerSecond) {
    }

    private static Run run(Engine engine, String model, GenerationRequest request) throws InterruptedException {
        Generation generation = engine.submit(model, request.withCachePrompt(false));
        long[] at = new long[request.maxTokens()];
        int count = 0;
        for (GenerationEvent event = generation.nextEvent(); !(event instanceof GenerationEvent.Finished);
             event = generation.nextEvent()) {
            at[count++] = System.nanoTime();
        }
        if (count < 8) {
            throw new IllegalStateException(model + " answered only " + count + " tokens to " + request);
        }
        return new Run(count, (count - 1) / ((at[count - 1] - at[0]) / 1e9));
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static double median(long[] values) {
        return median(Arrays.stream(values).mapToObj(v -> (double) v).toList());
    }
}
