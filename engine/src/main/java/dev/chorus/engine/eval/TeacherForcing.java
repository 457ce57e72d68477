package dev.chorus.engine.eval;

import dev.chorus.kernels.fusion.SamplingParams;

/**
 * Scores a given next token with the serving kernels, exactly and without extending their contract
 * ({@code kernels/FUSION.md}): a greedy step whose penalty history is the target token alone, with a presence
 * penalty of {@code −BONUS}, makes the target the argmax of {@code g = F + BONUS} whenever its fused probability is
 * non-zero, and every backend reports the chosen token's unpenalised {@code F_token} (steps 4, 5 and 8). When the
 * kernel chooses another token, {@code F_target = −∞}: the collaboration gives the target probability 0.
 */
final class TeacherForcing {
    /** Far above any gap between two finite fused log-probabilities, far below float overflow. */
    static final float BONUS = 1e30f;

    /** Greedy, every filter off, the presence bonus on the one history token, no top log-probabilities. */
    static final SamplingParams SAMPLING = new SamplingParams(0f, 0, 1f, 0f, 1f, -BONUS, 0f, 0L, 0);

    /** {@link #SAMPLING} reporting the distribution's most likely token too (its top log-probabilities are of F). */
    static final SamplingParams WITH_TOP_TOKEN = new SamplingParams(0f, 0, 1f, 0f, 1f, -BONUS, 0f, 0L, 1);

    /** The penalty history the kernels need: the target token alone. */
    static final int HISTORY = 1;

    private TeacherForcing() {
    }
}
