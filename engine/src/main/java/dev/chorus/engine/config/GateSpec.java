package dev.chorus.engine.config;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;

import java.util.Objects;

/**
 * Gated fusion of an {@code ensemble} ({@code gate: {lead: MEMBER, threshold: P}}): while the lead's top probability
 * (its own distribution at its member temperature) is at least {@code threshold}, the lead decides the token alone
 * and the other members skip it; they catch up on the skipped tokens in one batched decode when fusion is next needed.
 * Not exact by design: {@code chorus eval} measures the gated distribution as served ({@code docs/runtime.md}).
 *
 * @param lead      the lead member's model (the first member on it, when several are)
 * @param threshold in (0, 1]; 1 fuses (nearly) every token, a small one lets the lead decide nearly all
 */
public record GateSpec(String lead, float threshold, ConfigLocation location) {
    public GateSpec {
        Objects.requireNonNull(lead, "lead");
        Objects.requireNonNull(location, "location");
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("the gate's threshold must be in (0, 1]: " + threshold);
        }
    }

    /** Whether the lead decides a token alone, given its top probability at its temperature. */
    public boolean leadDecides(float leadTopProbability) {
        return leadTopProbability >= threshold;
    }

    /**
     * {@code fused} with the lead's weight alone: the lead's own distribution at its member temperature, as one member
     * of the fusion (the kernels skip the others and reproduce the lead alone bit for bit, {@code kernels/FUSION.md}).
     */
    public static FusionRule leadAlone(FusionRule fused, int leadMember) {
        float[] weights = new float[fused.members()];
        weights[leadMember] = 1f;
        return new FusionRule(FusionMethod.LINEAR, weights, fused.temperatures(), fused.lambda(), fused.alpha());
    }
}
