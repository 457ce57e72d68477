package dev.chorus.engine;

import dev.chorus.kernels.fusion.SamplingParams;

import java.util.Objects;

/**
 * How a generation samples its tokens: OpenAI's parameters plus llama.cpp's {@code top_k}, {@code min_p} and
 * {@code repeat_penalty} (their meaning: {@code kernels/FUSION.md}, steps 4 to 7). Each {@code with…} checks its
 * value against the API's range and refuses it with an {@link InvalidRequest} naming the parameter as the HTTP API
 * spells it; the engine hands the fusion kernels the equivalent {@link #params()}. Immutable.
 */
public final class Sampling {
    /** The most top log-probabilities a token reports. */
    public static final int MAX_TOP_LOGPROBS = SamplingParams.MAX_TOP_LOGPROBS;
    /** The largest {@code top_k} a request may give (far beyond any vocabulary's useful range). */
    public static final int MAX_TOP_K = 1 << 20;
    /** Argmax decoding, every filter and penalty off, no top log-probabilities. */
    public static final Sampling GREEDY = new Sampling(SamplingParams.GREEDY);
    /** The smallest nucleus kept for {@code top_p} 0, which OpenAI accepts: only the most likely token survives. */
    private static final float SMALLEST_TOP_P = 1e-6f;

    private final SamplingParams params;

    private Sampling(SamplingParams params) {
        this.params = params;
    }

    /** Plain sampling at {@code temperature} with {@code seed}, no filters or penalties. */
    public static Sampling sampled(double temperature, long seed) {
        return GREEDY.withTemperature(temperature).withSeed(seed);
    }

    /** {@code temperature} in [0, 2]; 0 is greedy. */
    public Sampling withTemperature(double temperature) {
        InvalidRequest.requireRange("temperature", temperature, 0, 2);
        return with((float) temperature, params.topK(), params.topP(), params.minP(), params.repetitionPenalty(),
                params.presencePenalty(), params.frequencyPenalty(), params.seed(), params.topLogprobs());
    }

    /** {@code top_k} in [0, {@value #MAX_TOP_K}]; 0 is off. */
    public Sampling withTopK(long topK) {
        InvalidRequest.requireRange("top_k", topK, 0, MAX_TOP_K);
        return with(params.temperature(), (int) topK, params.topP(), params.minP(), params.repetitionPenalty(),
                params.presencePenalty(), params.frequencyPenalty(), params.seed(), params.topLogprobs());
    }

    /** {@code top_p} in [0, 1]; 1 is off, 0 keeps only the most likely token. */
    public Sampling withTopP(double topP) {
        InvalidRequest.requireRange("top_p", topP, 0, 1);
        return with(params.temperature(), params.topK(), Math.max((float) topP, SMALLEST_TOP_P), params.minP(),
                params.repetitionPenalty(), params.presencePenalty(), params.frequencyPenalty(), params.seed(),
                params.topLogprobs());
    }

    /** {@code min_p} in [0, 1]; 0 is off. */
    public Sampling withMinP(double minP) {
        InvalidRequest.requireRange("min_p", minP, 0, 1);
        return with(params.temperature(), params.topK(), params.topP(), (float) minP, params.repetitionPenalty(),
                params.presencePenalty(), params.frequencyPenalty(), params.seed(), params.topLogprobs());
    }

    /** llama.cpp's {@code repeat_penalty} in (0, 10]; 1 is off. */
    public Sampling withRepeatPenalty(double repeatPenalty) {
        InvalidRequest.requireRange("repeat_penalty", repeatPenalty, 0, 10);
        if (!((float) repeatPenalty > 0)) {
            throw new InvalidRequest("repeat_penalty", "'repeat_penalty' must be greater than 0, got " + repeatPenalty + ".");
        }
        return with(params.temperature(), params.topK(), params.topP(), params.minP(), (float) repeatPenalty,
                params.presencePenalty(), params.frequencyPenalty(), params.seed(), params.topLogprobs());
    }

    /** {@code presence_penalty} in [−2, 2]: subtracted once from every token of the history. */
    public Sampling withPresencePenalty(double presencePenalty) {
        InvalidRequest.requireRange("presence_penalty", presencePenalty, -2, 2);
        return with(params.temperature(), params.topK(), params.topP(), params.minP(), params.repetitionPenalty(),
                (float) presencePenalty, params.frequencyPenalty(), params.seed(), params.topLogprobs());
    }

    /** {@code frequency_penalty} in [−2, 2]: subtracted once per occurrence in the history. */
    public Sampling withFrequencyPenalty(double frequencyPenalty) {
        InvalidRequest.requireRange("frequency_penalty", frequencyPenalty, -2, 2);
        return with(params.temperature(), params.topK(), params.topP(), params.minP(), params.repetitionPenalty(),
                params.presencePenalty(), (float) frequencyPenalty, params.seed(), params.topLogprobs());
    }

    /** The Philox key: the same seed gives the same tokens on every backend. */
    public Sampling withSeed(long seed) {
        return with(params.temperature(), params.topK(), params.topP(), params.minP(), params.repetitionPenalty(),
                params.presencePenalty(), params.frequencyPenalty(), seed, params.topLogprobs());
    }

    /** {@code top_logprobs} in [0, {@value #MAX_TOP_LOGPROBS}]: the most likely tokens reported with each token. */
    public Sampling withTopLogprobs(long topLogprobs) {
        InvalidRequest.requireRange("top_logprobs", topLogprobs, 0, MAX_TOP_LOGPROBS);
        return with(params.temperature(), params.topK(), params.topP(), params.minP(), params.repetitionPenalty(),
                params.presencePenalty(), params.frequencyPenalty(), params.seed(), (int) topLogprobs);
    }

    public float temperature() {
        return params.temperature();
    }

    public float topP() {
        return params.topP();
    }

    public float presencePenalty() {
        return params.presencePenalty();
    }

    public float frequencyPenalty() {
        return params.frequencyPenalty();
    }

    public long seed() {
        return params.seed();
    }

    public int topLogprobs() {
        return params.topLogprobs();
    }

    /** The kernels' form, validated when this was made; the same instance every call. */
    public SamplingParams params() {
        return params;
    }

    private static Sampling with(float temperature, int topK, float topP, float minP, float repetition, float presence,
                                 float frequency, long seed, int topLogprobs) {
        return new Sampling(new SamplingParams(temperature, topK, topP, minP, repetition, presence, frequency, seed,
                topLogprobs));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Sampling that && params.equals(that.params);
    }

    @Override
    public int hashCode() {
        return Objects.hash(params);
    }

    @Override
    public String toString() {
        return "Sampling" + params.toString().substring("SamplingParams".length());
    }
}
