package dev.chorus.kernels.fusion;

import java.util.Arrays;

/**
 * How one sequence's N members are fused (step 1 and 2 of {@code kernels/FUSION.md}).
 *
 * @param method       the combination rule
 * @param weights      per-member weights: mixture weights for {@link FusionMethod#LINEAR} and
 *                     {@link FusionMethod#MAX} (≥ 0, positive sum, normalised by the sum), exponents for
 *                     {@link FusionMethod#LOG_LINEAR}, signed coefficients for {@link FusionMethod#PROXY},
 *                     ignored by {@link FusionMethod#CONTRASTIVE}; a weight of exactly 0 skips the member
 * @param temperatures per-member temperatures {@code T_m > 0} applied to the logits before everything else
 * @param lambda       contrastive strength λ ≥ 0 (used by {@link FusionMethod#CONTRASTIVE})
 * @param alpha        contrastive plausibility cut, 0 < α ≤ 1 (used by {@link FusionMethod#CONTRASTIVE})
 */
public record FusionRule(FusionMethod method, float[] weights, float[] temperatures, float lambda, float alpha) {

    public FusionRule {
        if (method == null || weights == null || temperatures == null) {
            throw new InvalidFusionRule(method == null ? "method" : weights == null ? "weights" : "temperatures",
                    "method, weights and temperatures are required");
        }
        if (weights.length == 0 || weights.length != temperatures.length) {
            throw new InvalidFusionRule("weights", "weights (" + weights.length + ") and temperatures ("
                    + temperatures.length + ") need one entry per member");
        }
        weights = weights.clone();
        temperatures = temperatures.clone();
        for (int m = 0; m < weights.length; m++) {
            if (!Float.isFinite(weights[m])) {
                throw new InvalidFusionRule("weights", "weight of member " + m + " is not finite: " + weights[m]);
            }
            if (!(temperatures[m] > 0) || !Float.isFinite(temperatures[m])) {
                throw new InvalidFusionRule("temperatures", "temperature of member " + m + " must be finite and > 0: "
                        + temperatures[m]);
            }
        }
        if (method == FusionMethod.LINEAR || method == FusionMethod.MAX) {
            double sum = 0;
            for (float w : weights) {
                if (w < 0) {
                    throw new InvalidFusionRule("weights", method + " weights must be ≥ 0: " + Arrays.toString(weights));
                }
                sum += w;
            }
            if (!(sum > 0)) {
                throw new InvalidFusionRule("weights", method + " weights need a positive sum: " + Arrays.toString(weights));
            }
        }
        if (method == FusionMethod.CONTRASTIVE && weights.length != 2) {
            throw new InvalidFusionRule("weights", "CONTRASTIVE needs exactly 2 members (expert, amateur), got "
                    + weights.length);
        }
        if (!(lambda >= 0) || !Float.isFinite(lambda)) {
            throw new InvalidFusionRule("lambda", "lambda must be finite and ≥ 0: " + lambda);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new InvalidFusionRule("alpha", "alpha must be in (0, 1]: " + alpha);
        }
    }

    /** A rule with the given weights, every member at temperature 1, λ = 0 and α = 1. */
    public static FusionRule of(FusionMethod method, float... weights) {
        float[] temperatures = new float[weights.length];
        Arrays.fill(temperatures, 1f);
        return new FusionRule(method, weights, temperatures, 0f, 1f);
    }

    /** Contrastive decoding of expert (member 0) against amateur (member 1), both at temperature 1. */
    public static FusionRule contrastive(float lambda, float alpha) {
        return new FusionRule(FusionMethod.CONTRASTIVE, new float[] {1f, 1f}, new float[] {1f, 1f}, lambda, alpha);
    }

    /**
     * The same distribution in the form every backend computes bit for bit: when only one member has a non-zero
     * weight, MAX and LOG_LINEAR with that weight 1 both pass the member's log-probabilities through unchanged,
     * which LINEAR does exactly (FUSION.md, step 2) where the others renormalise in float. Other rules are returned
     * as they are. Callers convert once per request, not per step.
     */
    public FusionRule exactForm() {
        int active = 0;
        int only = -1;
        for (int m = 0; m < weights.length; m++) {
            if (weights[m] != 0f) {
                active++;
                only = m;
            }
        }
        boolean passThrough = active == 1
                && (method == FusionMethod.MAX || method == FusionMethod.LOG_LINEAR && weights[only] == 1f);
        return passThrough ? new FusionRule(FusionMethod.LINEAR, weights, temperatures, lambda, alpha) : this;
    }

    /** The number of members N. */
    public int members() {
        return weights.length;
    }

    /**
     * Member m's share {@code ŵ_m} of the offset {@code Λ = Σ ŵ_m · logsumexp(s_m)} that turns the fused
     * log-probabilities into the logits the penalties apply to (FUSION.md, step 4): {@code |w_m| / Σ|w|}, or
     * for CONTRASTIVE the expert alone. The shares sum to 1; a lone member's is exactly 1.
     */
    public double offsetShare(int m) {
        if (method == FusionMethod.CONTRASTIVE) {
            return m == 0 ? 1 : 0;
        }
        double sum = 0;
        for (float w : weights) {
            sum += Math.abs(w);
        }
        return weights[m] == 0 ? 0 : Math.abs(weights[m]) / sum;
    }

    /** Member m's weight, without copying the array. */
    public float weight(int m) {
        return weights[m];
    }

    /** Member m's temperature, without copying the array. */
    public float temperature(int m) {
        return temperatures[m];
    }

    /** A copy of the weights. */
    @Override
    public float[] weights() {
        return weights.clone();
    }

    /** A copy of the temperatures. */
    @Override
    public float[] temperatures() {
        return temperatures.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FusionRule rule && method == rule.method && Arrays.equals(weights, rule.weights)
                && Arrays.equals(temperatures, rule.temperatures) && Float.compare(lambda, rule.lambda) == 0
                && Float.compare(alpha, rule.alpha) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * method.hashCode() + Arrays.hashCode(weights)) + Arrays.hashCode(temperatures);
    }

    @Override
    public String toString() {
        return "FusionRule[" + method + ", weights=" + Arrays.toString(weights) + ", temperatures="
                + Arrays.toString(temperatures) + ", lambda=" + lambda + ", alpha=" + alpha + "]";
    }
}
