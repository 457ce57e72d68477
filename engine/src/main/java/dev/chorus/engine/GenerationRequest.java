package dev.chorus.engine;

import dev.chorus.kernels.fusion.SamplingParams;

import java.util.List;
import java.util.Objects;

/**
 * One generation to run on a collaboration.
 *
 * @param prompt    what to continue
 * @param maxTokens the most tokens to sample (an end-of-generation token counts)
 * @param stop      stop strings: the text ends before the first one, which is never emitted
 * @param sampling  temperature, filters, penalties, seed and the number of top log-probabilities
 * @param choice    the RNG stream (the OpenAI choice index): the same seeded request samples the same tokens in
 *                  whatever slot or batch it runs
 * @param fusion    per-request changes to the collaboration's fusion rule
 */
public record GenerationRequest(Prompt prompt, int maxTokens, List<String> stop, SamplingParams sampling, int choice,
                                FusionOverrides fusion) {
    public static final int MAX_STOP_STRINGS = 16;

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(fusion, "fusion");
        stop = List.copyOf(stop);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        if (stop.size() > MAX_STOP_STRINGS || stop.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("at most " + MAX_STOP_STRINGS + " non-empty stop strings, got " + stop);
        }
        if (choice < 0) {
            throw new IllegalArgumentException("choice must be >= 0, got " + choice);
        }
    }

    /** Greedy decoding of {@code maxTokens} tokens, no stop strings, choice 0, the configured fusion rule. */
    public static GenerationRequest of(Prompt prompt, int maxTokens) {
        return new GenerationRequest(prompt, maxTokens, List.of(), SamplingParams.GREEDY, 0, FusionOverrides.NONE);
    }

    public GenerationRequest withPrompt(Prompt newPrompt) {
        return new GenerationRequest(newPrompt, maxTokens, stop, sampling, choice, fusion);
    }

    public GenerationRequest withStop(String... newStop) {
        return new GenerationRequest(prompt, maxTokens, List.of(newStop), sampling, choice, fusion);
    }

    public GenerationRequest withSampling(SamplingParams newSampling) {
        return new GenerationRequest(prompt, maxTokens, stop, newSampling, choice, fusion);
    }

    public GenerationRequest withChoice(int newChoice) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, newChoice, fusion);
    }

    public GenerationRequest withFusion(FusionOverrides newFusion) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, newFusion);
    }
}
