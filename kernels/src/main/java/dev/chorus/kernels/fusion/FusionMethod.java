package dev.chorus.kernels.fusion;

/**
 * How the members' distributions are combined into one fused score per token (step 2 of
 * {@code kernels/FUSION.md}; {@code lp_m} is member m's log-softmax, {@code s_m} its tempered logits).
 */
public enum FusionMethod {
    /** Mixture: {@code f_i = log Σ_m w̄_m p_m,i} with {@code w̄ = w / Σw}. */
    LINEAR,
    /** Product of experts: {@code f_i = Σ_m w_m lp_m,i}. */
    LOG_LINEAR,
    /** {@code f_i = log max_m w̄_m p_m,i}. */
    MAX,
    /**
     * Contrastive decoding (N = 2, member 0 expert, member 1 amateur): {@code f_i = lp_0,i − λ·max(lp_1,i, −100)}
     * on the plausible set {@code lp_0,i ≥ log α + max lp_0}, {@code −∞} elsewhere.
     */
    CONTRASTIVE,
    /** Proxy-tuning / DExperts: {@code f_i = Σ_m w_m s_m,i} with signed coefficients. */
    PROXY
}
