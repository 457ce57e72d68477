package dev.chorus.kernels.fusion;

/**
 * Per-sequence sampling applied to the fused distribution (steps 4 to 7 of {@code kernels/FUSION.md}).
 *
 * @param temperature       sampling temperature τ ≥ 0; 0 is greedy (argmax, filters skipped)
 * @param topK              keep the k most likely tokens (plus ties); 0 = off
 * @param topP              nucleus mass, 0 < p ≤ 1; 1 = off
 * @param minP              keep tokens with {@code q ≥ minP · max q}, 0 ≤ minP ≤ 1; 0 = off
 * @param repetitionPenalty llama.cpp's repetition penalty r > 0 on tokens in the history; 1 = off
 * @param presencePenalty   subtracted once from every token in the history
 * @param frequencyPenalty  subtracted once per occurrence in the history
 * @param seed              Philox key (low, high 32 bits)
 * @param topLogprobs       number of most likely fused tokens to report, 0 to 20
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                             float presencePenalty, float frequencyPenalty, long seed, int topLogprobs) {

    /** The most top log-probabilities any backend reports. */
    public static final int MAX_TOP_LOGPROBS = 20;

    /** Argmax decoding with every filter and penalty off. */
    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 0L, 0);

    public SamplingParams {
        if (!(temperature >= 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and ≥ 0: " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be ≥ 0 (0 = off): " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1]: " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("minP must be in [0, 1]: " + minP);
        }
        if (!(repetitionPenalty > 0) || !Float.isFinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetitionPenalty must be finite and > 0: " + repetitionPenalty);
        }
        if (!Float.isFinite(presencePenalty) || !Float.isFinite(frequencyPenalty)) {
            throw new IllegalArgumentException("presence and frequency penalties must be finite: "
                    + presencePenalty + ", " + frequencyPenalty);
        }
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("topLogprobs must be in [0, " + MAX_TOP_LOGPROBS + "]: " + topLogprobs);
        }
    }

    /** Plain sampling at temperature τ with the given seed, no filters or penalties. */
    public static SamplingParams sampled(float temperature, long seed) {
        return new SamplingParams(temperature, 0, 1f, 0f, 1f, 0f, 0f, seed, 0);
    }

    /** Whether the token is the argmax rather than a draw. */
    public boolean greedy() {
        return temperature == 0f;
    }

    /** Whether any history-dependent penalty is active. */
    public boolean penalised() {
        return repetitionPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f;
    }
}
