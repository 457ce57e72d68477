package dev.chorus.engine;

import dev.chorus.kernels.fusion.SamplingParams;

/**
 * One sequence's side of draft-model speculative decoding: how many of its tokens the draft's cells hold, the
 * proposal of this step (in {@link Sequence#tokens} just past its length, where accepted proposals stay) with the
 * draft's logits for each (kept only when the request samples: verification needs the draft's distribution), the
 * adaptive proposal length, and the sequence's own counts for its answer. Owned by the step-loop thread.
 */
final class DraftState {
    /** The request's sampling for the draft's own draws: the same distribution, no top log-probabilities. */
    final SamplingParams sampling;
    /** Whether the sequence speculates; if not, the draft only follows its prompt. */
    final boolean speculates;
    private final int maxTokens;
    private final float[][] logits;
    /** Tokens of the sequence in the draft's KV cells. */
    int decoded;
    /** Proposals this step; 0 when the sequence decodes plainly. */
    int proposed;
    /** Proposals wanted this step, set by the proposer. */
    int wanted;
    private int length;
    private int verifications;
    private int proposedTokens;
    private int acceptedTokens;

    /** @param vocab the vocabulary size */
    DraftState(int maxTokens, SamplingParams requested, int vocab, boolean speculates) {
        this.sampling = new SamplingParams(requested.temperature(), requested.topK(), requested.topP(),
                requested.minP(), requested.repetitionPenalty(), requested.presencePenalty(),
                requested.frequencyPenalty(), requested.seed(), 0);
        this.maxTokens = maxTokens;
        this.length = maxTokens;
        this.speculates = speculates;
        this.logits = requested.greedy() || !speculates ? null : new float[maxTokens][vocab];
    }

    /** The next proposal's length: the adaptive length, cut to what the request and its context still allow. */
    int nextLength(int tokensLeft, int contextLeft) {
        // The round's last token is the target's own, so k proposals make at most k + 1 tokens.
        return Math.max(0, Math.min(length, Math.min(tokensLeft, contextLeft) - 1));
    }

    /** Whether the draft's logits are kept for verification (the request samples). */
    boolean keepsLogits() {
        return logits != null;
    }

    /** Where proposal r's draft logits are kept. */
    float[] logits(int r) {
        return logits[r];
    }

    /**
     * Counts a round in which {@code accepted} of {@code proposed} proposals were accepted and adapts the length to
     * it: one longer after a full acceptance, else one past the accepted prefix (what the last round showed the draft
     * can do).
     */
    void adapt(int accepted, int proposed) {
        length = accepted == proposed ? Math.min(maxTokens, length + 1) : Math.max(1, accepted + 1);
        verifications++;
        proposedTokens += proposed;
        acceptedTokens += accepted;
    }

    /** This sequence's verified rounds, proposed and accepted tokens. */
    SpeculationStats summary() {
        return new SpeculationStats(verifications, proposedTokens, acceptedTokens);
    }
}
