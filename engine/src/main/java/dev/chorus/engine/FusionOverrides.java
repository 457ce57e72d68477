package dev.chorus.engine;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Per-request changes to a collaboration's fusion rule; {@code null} keeps the configured value. Weights are in
 * fusion-member order (for a proxy: base, expert, anti-expert as signed coefficients). The method may only switch
 * an ensemble between its pooling methods.
 */
public record FusionOverrides(FusionMethod method, float[] weights, Float lambda, Float alpha) {
    public static final FusionOverrides NONE = new FusionOverrides(null, null, null, null);
    private static final Set<FusionMethod> POOLING = EnumSet.of(FusionMethod.LINEAR, FusionMethod.LOG_LINEAR,
            FusionMethod.MAX);

    public FusionOverrides {
        weights = weights == null ? null : weights.clone();
    }

    @Override
    public float[] weights() {
        return weights == null ? null : weights.clone();
    }

    public FusionOverrides withMethod(FusionMethod newMethod) {
        return new FusionOverrides(newMethod, weights, lambda, alpha);
    }

    public FusionOverrides withWeights(float... newWeights) {
        return new FusionOverrides(method, newWeights, lambda, alpha);
    }

    public FusionOverrides withLambda(float newLambda) {
        return new FusionOverrides(method, weights, newLambda, alpha);
    }

    public FusionOverrides withAlpha(float newAlpha) {
        return new FusionOverrides(method, weights, lambda, newAlpha);
    }

    /**
     * The configured rule with these overrides applied, validated by {@link FusionRule}.
     *
     * @throws IllegalArgumentException when the result is not a valid rule for the collaboration
     */
    public FusionRule applyTo(FusionRule configured) {
        if (method != null && method != configured.method()
                && !(POOLING.contains(method) && POOLING.contains(configured.method()))) {
            throw new IllegalArgumentException("the fusion method can only switch between linear, log_linear and max"
                    + " pooling of an ensemble, not from " + configured.method() + " to " + method);
        }
        if (weights != null && weights.length != configured.members()) {
            throw new IllegalArgumentException("the collaboration has " + configured.members()
                    + " members but the request gives " + weights.length + " weights");
        }
        return new FusionRule(method == null ? configured.method() : method,
                weights == null ? configured.weights() : weights,
                configured.temperatures(),
                lambda == null ? configured.lambda() : lambda,
                alpha == null ? configured.alpha() : alpha);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FusionOverrides that && method == that.method && Arrays.equals(weights, that.weights)
                && java.util.Objects.equals(lambda, that.lambda) && java.util.Objects.equals(alpha, that.alpha);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(method, Arrays.hashCode(weights), lambda, alpha);
    }

    @Override
    public String toString() {
        return "FusionOverrides[method=" + method + ", weights=" + Arrays.toString(weights) + ", lambda=" + lambda
                + ", alpha=" + alpha + "]";
    }
}
