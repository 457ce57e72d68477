package dev.chorus.engine;

import dev.chorus.engine.config.GateSpec;
import dev.chorus.kernels.fusion.FusionRule;

import java.lang.foreign.MemorySegment;

/**
 * One sequence's side of gated fusion: how many of its tokens the models other than the lead's hold (they skip the
 * tokens the lead decides alone), and while they catch up, the lead's logits of the position to fuse. Owned by the
 * step-loop thread.
 */
final class GateState {
    /** The lead's model, among the collaboration's models: it decodes every token. */
    final int leadModel;
    /** The request's rule with the lead's weight alone: the lead's own distribution, as one member of the fusion. */
    private final FusionRule leadRule;
    private final FusionRule fusedRule;
    private final MemorySegment leadLogits;
    /** Tokens of the sequence in the cells of the other models. */
    int othersDecoded;
    /** Set when the lead was unsure of the last position: the others catch up and it is fused from all. */
    boolean catchingUp;
    /**
     * Set while every member decodes each token in step (the prompt's last, and after a pooled token, uncertainty
     * coming in runs): the lead's row and the pooled one are fused side by side, so an unsure lead costs no extra step.
     */
    boolean lockstep = true;
    private int tokens;
    private int leadTokens;

    GateState(int leadModel, int leadMember, FusionRule fusedRule, int vocabSize) {
        this.leadModel = leadModel;
        this.fusedRule = fusedRule;
        this.leadRule = GateSpec.leadAlone(fusedRule, leadMember);
        this.leadLogits = MemorySegment.ofArray(new float[vocabSize]);
    }

    /** The rule of this step's (first) row: the lead's alone, or the fused one once the others caught up. */
    FusionRule rowRule() {
        return catchingUp ? fusedRule : leadRule;
    }

    /** Whether model {@code model}'s cells may lag behind the sequence's. */
    boolean lags(int model) {
        return model != leadModel;
    }

    /**
     * Whether model {@code model} has logits for this step's row: not the others while the lead decides alone (the
     * lead's, while they catch up, are the ones it kept).
     */
    boolean hasLogits(int model) {
        return lockstep || catchingUp || !lags(model);
    }

    /** The lead's logits kept for the fused position. */
    MemorySegment leadLogits() {
        return leadLogits;
    }

    /** The lead was unsure: keeps its logits of the position, which is fused once the others caught up. */
    void fuseNext(MemorySegment logits) {
        MemorySegment.copy(logits, 0, leadLogits, 0, leadLogits.byteSize());
        catchingUp = true;
    }

    /** Counts a decided token: one the lead decided alone, or one fused after the catch-up. */
    void decided(boolean byLead) {
        tokens++;
        if (byLead) {
            leadTokens++;
        }
    }

    /**
     * A token is delivered: after the lead's own, the others skip the next tokens; after a pooled one, every member
     * decodes the next in step.
     */
    void delivered(boolean byLead) {
        catchingUp = false;
        lockstep = !byLead;
    }

    GateStats stats() {
        return new GateStats(tokens, leadTokens);
    }
}
