package dev.chorus.engine.config;

/**
 * How a linear ensemble's member weights move with the text of one sequence ({@code weights:} in the config). The
 * configured member weights are the prior; the adaptive kinds multiply it by each member's likelihood of the text
 * so far, so the weights at position t use only tokens before t (the same rule in serving and in {@code chorus eval}).
 */
public sealed interface WeightAdaptation {
    /** The configured weights at every step ({@code weights: fixed}, the default). */
    record Fixed() implements WeightAdaptation {
    }

    /**
     * PackLLM-sim (Mavromatis et al., 2024): {@code w_m ∝ prior_m · exp(−NLL̄_m / τ)}, with {@code NLL̄_m} member m's
     * mean negative log-likelihood (nats per token) of the text so far ({@code weights: perplexity}, {@code tau}).
     */
    record Perplexity(double tau) implements WeightAdaptation {
        public Perplexity {
            if (!(tau > 0) || !Double.isFinite(tau)) {
                throw new IllegalArgumentException("tau must be finite and > 0: " + tau);
            }
        }
    }

    /**
     * Exponentially weighted Bayesian model averaging: {@code w_m ∝ prior_m · exp(Σ_s γ^(t−1−s) log p_m(x_s))}, the
     * posterior over members when the data's older tokens count γ times less per step ({@code weights: online},
     * {@code forgetting} γ in (0, 1]; γ = 1 is plain Bayesian model averaging).
     */
    record Online(double forgetting) implements WeightAdaptation {
        public Online {
            if (!(forgetting > 0 && forgetting <= 1)) {
                throw new IllegalArgumentException("forgetting must be in (0, 1]: " + forgetting);
            }
        }
    }

    /** Whether the weights stay the configured ones. */
    default boolean fixed() {
        return this instanceof Fixed;
    }
}
