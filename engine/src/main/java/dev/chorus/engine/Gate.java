package dev.chorus.engine;

import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.GateSpec;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;

import java.util.concurrent.atomic.LongAdder;

/**
 * A collaboration's gated fusion ({@link GateSpec}): which member leads, its threshold, and the tokens decided since
 * start. While the lead's top probability reaches the threshold its own token is delivered and the other models skip
 * the positions; the first position it is unsure of makes them catch up on every token they skipped in one batched
 * decode, and is pooled from all members, who then decode in step until the lead is sure again ({@link GateState}).
 *
 * <p>Threading: {@link #stats} may be called from any thread; everything else runs on the step loop's thread.
 */
final class Gate {
    private final GateSpec spec;
    private final int leadMember;
    private final int leadModel;
    private final LongAdder tokens = new LongAdder();
    private final LongAdder leadTokens = new LongAdder();

    Gate(CollaborationSpec spec) {
        this.spec = spec.gate().orElseThrow();
        this.leadMember = spec.leadMember();
        this.leadModel = spec.models().indexOf(this.spec.lead());
    }

    /**
     * A new sequence's gate state, or null for a constrained one: it fuses every token, since a grammar may forbid the
     * very token the lead is sure of, and the lead's confidence then says nothing about the tokens allowed.
     */
    GateState newState(FusionRule rule, ConstraintState constraint, int vocabSize) {
        return constraint != null ? null : new GateState(leadModel, leadMember, rule, vocabSize);
    }

    /** Whether the lead decides a lead row's token alone: its top probability at its temperature (step 1's maxprob). */
    boolean leadDecides(FusionResult result, int row) {
        return spec.leadDecides(result.memberMaxProb(row, leadMember));
    }

    /** Counts a token decided for one of this collaboration's sequences. */
    void count(GateState state, boolean byLead) {
        state.decided(byLead);
        tokens.increment();
        if (byLead) {
            leadTokens.increment();
        }
    }

    GateStats stats() {
        return new GateStats(tokens.sum(), leadTokens.sum());
    }
}
