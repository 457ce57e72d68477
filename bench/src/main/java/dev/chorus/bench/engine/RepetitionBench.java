package dev.chorus.bench.engine;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code repeat_penalty} does to loops: {@code --seeds N} (default 20) seeded answers of the demo's request
 * (its prompt, temperature 0.7, top-p 0.95, 60 tokens) per model and per penalty, and the repeated token 4-grams
 * in them (every occurrence of a 4-gram after its first in the same answer). Writes
 * {@code <out>/repetition-cpu-<date>.json}.
 *
 * <p>Arguments: {@code --config FILE} [{@code --models a,b}] [{@code --penalties 1.0,1.3}] [{@code --seeds N}]
 * [{@code --max-tokens N}] [{@code --out DIR}].
 */
public final class RepetitionBench {
    private static final String PROMPT = "And the LORD spake unto Moses, saying,";

    private RepetitionBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--models", "kjv,experts", "--penalties", "1.0,1.3",
                "--seeds", "20", "--max-tokens", "60", "--out", "bench/results"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        if (!options.containsKey("--config") || args.length % 2 != 0) {
            throw new IllegalArgumentException("usage: RepetitionBench --config FILE [--models a,b] [--penalties 1.0,1.3]"
                    + " [--seeds N] [--max-tokens N] [--out DIR]");
        }
        int seeds = Integer.parseInt(options.get("--seeds"));
        int maxTokens = Integer.parseInt(options.get("--max-tokens"));
        List<Map<String, Object>> runs = new ArrayList<>();
        try (Engine engine = Engine.start(Path.of(options.get("--config")))) {
            for (String model : options.get("--models").split(",")) {
                for (String penalty : options.get("--penalties").split(",")) {
                    runs.add(run(engine, model, Double.parseDouble(penalty), seeds, maxTokens));
                }
            }
        }
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("machine", BenchResults.machine(Map.of()));
        file.put("date", Instant.now().toString());
        file.put("request", Map.of("prompt", PROMPT, "temperature", 0.7, "top_p", 0.95, "max_tokens", maxTokens,
                "seeds", "1.." + seeds));
        file.put("runs", runs);
        BenchResults.write(BenchResults.file(Path.of(options.get("--out")), "repetition", "cpu"), file);
    }

    private static Map<String, Object> run(Engine engine, String model, double penalty, int seeds, int maxTokens)
            throws InterruptedException {
        int repeated = 0;
        int answersWithRepeats = 0;
        int tokens = 0;
        String example = null;
        for (int seed = 1; seed <= seeds; seed++) {
            GenerationRequest request = GenerationRequest.of(Prompt.chat(List.of(new Message("user", PROMPT))), maxTokens)
                    .withSampling(Sampling.sampled(0.7, seed).withTopP(0.95).withRepeatPenalty(penalty));
            Completion completion = engine.submit(model, request).await();
            if (completion.error().isPresent()) {
                throw new IllegalStateException(model + " seed " + seed + " failed: " + completion.error().get());
            }
            int answerRepeats = repeatedFourGrams(completion.tokens());
            repeated += answerRepeats;
            answersWithRepeats += answerRepeats > 0 ? 1 : 0;
            tokens += completion.tokens().size();
            example = example == null ? completion.text() : example;
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("model", model);
        run.put("repeat_penalty", penalty);
        run.put("repeated_4grams", repeated);
        run.put("answers_with_repeats", answersWithRepeats);
        run.put("tokens", tokens);
        run.put("example_seed_1", example);
        System.out.println(run);
        return run;
    }

    /** Occurrences of a token 4-gram after its first in {@code tokens}. */
    static int repeatedFourGrams(List<Integer> tokens) {
        Map<List<Integer>, Integer> seen = new HashMap<>();
        int repeats = 0;
        for (int i = 0; i + 4 <= tokens.size(); i++) {
            repeats += seen.merge(tokens.subList(i, i + 4), 1, Integer::sum) > 1 ? 1 : 0;
        }
        return repeats;
    }
}
