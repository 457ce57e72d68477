package dev.chorus.engine;

import dev.chorus.kernels.fusion.SamplingParams;

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
 * @param trace     0, or how many of the most likely tokens each step reports in its {@link StepTrace}, for the fused
 *                  distribution and for every member's own (1 to {@link #MAX_TRACE}; the HTTP API's
 *                  {@code chorus.trace})
 * @param constraint a grammar the text must match and biases on the fused logits
 * @param speculative whether a collaboration with a {@code draft} may speculate (the HTTP API's
 *                  {@code chorus.speculative}); false decodes token by token without the draft. Speculation never
 *                  changes what is generated, only how fast: the opt-out is for comparing and measuring
 * @param logprobs  whether the caller reads the tokens' {@link GenerationEvent.Token#logprob()}: when not, a step
 *                  constrained by a grammar may draw its token before masking the vocabulary and check only that token
 *                  (docs/structured-output.md, "Performance"), and such a token's log-probability is NaN
 */
public record GenerationRequest(Prompt prompt, int maxTokens, List<String> stop, Sampling sampling, int choice,
                                FusionOverrides fusion, boolean cachePrompt, int trace,
                                Constraint constraint, boolean speculative, boolean logprobs) {
    public static final int MAX_STOP_STRINGS = 16;
    /** The most tokens a step trace reports per distribution: as many as the kernels' top log-probabilities. */
    public static final int MAX_TRACE = Sampling.MAX_TOP_LOGPROBS;

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(fusion, "fusion");
        Objects.requireNonNull(constraint, "constraint");
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
        InvalidRequest.requireRange("chorus.trace", trace, 0, MAX_TRACE);
    }

    /** An untraced, unconstrained request that may speculate and whose log-probabilities are read. */
    public GenerationRequest(Prompt prompt, int maxTokens, List<String> stop, Sampling sampling, int choice,
                             FusionOverrides fusion, boolean cachePrompt) {
        this(prompt, maxTokens, stop, sampling, choice, fusion, cachePrompt, 0, Constraint.NONE, true, true);
    }

    /** An untraced, unconstrained request that may reuse cached prompt cells. */
    public GenerationRequest(Prompt prompt, int maxTokens, List<String> stop, Sampling sampling, int choice,
                             FusionOverrides fusion) {
        this(prompt, maxTokens, stop, sampling, choice, fusion, true);
    }

    /** Greedy decoding of {@code maxTokens} tokens, no stop strings, choice 0, the configured fusion rule. */
    public static GenerationRequest of(Prompt prompt, int maxTokens) {
        return new GenerationRequest(prompt, maxTokens, List.of(), Sampling.GREEDY, 0, FusionOverrides.NONE);
    }

    public GenerationRequest withPrompt(Prompt newPrompt) {
        return new GenerationRequest(newPrompt, maxTokens, stop, sampling, choice, fusion, cachePrompt,
                trace, constraint, speculative, logprobs);
    }

    public GenerationRequest withStop(String... newStop) {
        return new GenerationRequest(prompt, maxTokens, List.of(newStop), sampling, choice, fusion, cachePrompt,
                trace, constraint, speculative, logprobs);
    }

    public GenerationRequest withSampling(Sampling newSampling) {
        return new GenerationRequest(prompt, maxTokens, stop, newSampling, choice, fusion, cachePrompt,
                trace, constraint, speculative, logprobs);
    }

    public GenerationRequest withChoice(int newChoice) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, newChoice, fusion, cachePrompt,
                trace, constraint, speculative, logprobs);
    }

    public GenerationRequest withFusion(FusionOverrides newFusion) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, newFusion, cachePrompt,
                trace, constraint, speculative, logprobs);
    }

    public GenerationRequest withCachePrompt(boolean newCachePrompt) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, fusion, newCachePrompt,
                trace, constraint, speculative, logprobs);
    }

    public GenerationRequest withConstraint(Constraint newConstraint) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, fusion, cachePrompt,
                trace, newConstraint, speculative, logprobs);
    }

    public GenerationRequest withSpeculative(boolean newSpeculative) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, fusion, cachePrompt, trace,
                constraint, newSpeculative, logprobs);
    }

    public GenerationRequest withLogprobs(boolean newLogprobs) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, fusion, cachePrompt, trace,
                constraint, speculative, newLogprobs);
    }

    public GenerationRequest withTrace(int newTrace) {
        return new GenerationRequest(prompt, maxTokens, stop, sampling, choice, fusion, cachePrompt,
                newTrace, constraint, speculative, logprobs);
    }

    /**
     * The sampling the kernels run: the request's, reporting as many fused top tokens as the trace needs too (the
     * count changes no draw; {@link GenerationEvent.Token#topLogprobs()} still holds only the ones asked for).
     */
    SamplingParams fusedSampling() {
        return trace <= sampling.params().topLogprobs() ? sampling.params() : sampling.withTopLogprobs(trace).params();
    }
}
