package dev.chorus.engine;

import java.util.List;
import java.util.Objects;

/**
 * One generation to run on a collaboration; a value outside the rules is an {@link InvalidRequest} naming it.
 *
 * @param prompt    what to continue
 * @param maxTokens the most tokens to sample (an end-of-generation token counts)
 * @param stop      stop strings: the text ends before the first one, which is never emitted
 * @param sampling  temperature, filters, penalties, seed and the number of top log-probabilities
 * @param choice    the RNG stream (the OpenAI choice index): the same seeded request samples the same tokens in
 *                  whatever slot or batch it runs
 * @param fusion    per-request changes to the collaboration's fusion rule
 * @param cachePrompt whether the prompt may reuse the KV cells a slot kept from an earlier request (the prefix they
 *                  share is not prefilled again); the cells this request leaves are cached either way
 */
public record GenerationRequest(Prompt prompt, int maxTokens, List<String> stop, Sampling sampling, int choice,
                                FusionOverrides fusion, boolean cachePrompt) {
    public static final int MAX_STOP_STRINGS = 16;

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(fusion, "fusion");
        stop = List.copyOf(stop);
        if (maxTokens < 1) {
            throw new InvalidRequest("max_tokens", "'max_tokens' must be at least 1, got " + maxTokens + ".");
        }
        if (stop.size() > MAX_STOP_STRINGS) {
            throw new InvalidRequest("stop", "At most " + MAX_STOP_STRINGS + " stop strings, got " + stop.size() + ".");
        }
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i).isEmpty()) {
                throw new InvalidRequest(stop.size() == 1 ? "stop" : "stop[" + i + "]", "A stop string must not be empty.");
            }
        }
        if (choice < 0) {
            throw new IllegalArgumentException("choice must be >= 0, got " + choice);
        }
    }

    /** A request that may reuse cached prompt cells. */
    public GenerationRequest(Prompt prompt, int maxTokens, List<String> stop, Sampling sampling, int choice,
                             FusionOverrides fusion) {
        this(prompt, maxTokens, stop, sampling, choice, fusion, true);
    }

    /** Greedy decoding of {@code maxTokens} tokens, no stop strings, choice 0, the configured fusion rule. */
    public static GenerationRequest of(Prompt prompt, int maxTokens) {
        return new GenerationRequest(prompt, maxTokens, List.of(), Sampling.GREEDY, 0, FusionOverrides.NONE);
    }

    public GenerationRequest withPrompt(Prompt newPrompt) {
        return new GenerationRequest(newPrompt, maxTokens, stop, sampling, choice, fusion, cachePrompt);
    }

    public GenerationRequest withStop(String... newStop) {
        return new GenerationRequest(prompt, maxTokens, List.of(newStop), sampling, choice, fusion, cachePrompt);
    }

    public GenerationRequest withSampling(Sampling newSampling) {
        return new GenerationRequest(prompt, maxTokens, stop, newSampling, choice, fusion, cachePrompt);
    }

    public GenerationRequest withChoice(int newChoice) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, newChoice, fusion, cachePrompt);
    }

    public GenerationRequest withFusion(FusionOverrides newFusion) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, newFusion, cachePrompt);
    }

    public GenerationRequest withCachePrompt(boolean newCachePrompt) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, fusion, newCachePrompt);
    }
}
