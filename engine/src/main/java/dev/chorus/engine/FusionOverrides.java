package dev.chorus.engine;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.InvalidFusionRule;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Per-request changes to a collaboration's fusion rule ({@code null} keeps the configured value), and the one place
 * they are checked against it ({@link #applyTo}). Weights are in fusion-member order (the order {@code GET /v1/models}
 * lists the members; for a proxy: base, expert, anti-expert as signed coefficients). The method may only switch an
 * ensemble between its pooling methods; λ and α apply to contrastive decoding; a proxy's {@code strength} s sets the
 * coefficients to 1 for the base and ±s, by their configured signs, for the others.
 */
public record FusionOverrides(FusionMethod method, float[] weights, Float lambda, Float alpha, Float strength) {
    public static final FusionOverrides NONE = new FusionOverrides(null, null, null, null, null);
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
        return new FusionOverrides(newMethod, weights, lambda, alpha, strength);
    }

    /**
     * The method by its API name ({@code linear}, {@code log_linear}, {@code max}, {@code contrastive}, {@code proxy};
     * case and {@code -}/{@code _} do not matter).
     *
     * @throws InvalidRequest for an unknown name
     */
    public FusionOverrides withMethodNamed(String name) {
        for (FusionMethod candidate : FusionMethod.values()) {
            if (candidate.name().equalsIgnoreCase(name.replace('-', '_'))) {
                return withMethod(candidate);
            }
        }
        throw new InvalidRequest("chorus.method", "'chorus.method' must be one of "
                + List.of(FusionMethod.values()).toString().toLowerCase(Locale.ROOT) + ", got '" + name + "'.");
    }

    public FusionOverrides withWeights(float... newWeights) {
        return new FusionOverrides(method, newWeights, lambda, alpha, strength);
    }

    public FusionOverrides withLambda(float newLambda) {
        return new FusionOverrides(method, weights, newLambda, alpha, strength);
    }

    public FusionOverrides withAlpha(float newAlpha) {
        return new FusionOverrides(method, weights, lambda, newAlpha, strength);
    }

    public FusionOverrides withStrength(float newStrength) {
        return new FusionOverrides(method, weights, lambda, alpha, newStrength);
    }

    /**
     * The configured rule with these overrides applied.
     *
     * @throws InvalidRequest naming the {@code chorus.*} parameter when an override does not apply to the
     *                        collaboration or the rule it makes is invalid
     */
    public FusionRule applyTo(FusionRule configured) {
        if (equals(NONE)) {
            return configured;
        }
        FusionMethod fused = configured.method();
        if (method != null && method != fused && !(POOLING.contains(method) && POOLING.contains(fused))) {
            throw new InvalidRequest("chorus.method", "The collaboration fuses with " + name(fused)
                    + "; only an ensemble may switch between linear, log_linear and max, not to " + name(method) + ".");
        }
        if (weights != null && strength != null) {
            throw new InvalidRequest("chorus.strength", "Give 'chorus.weights' or 'chorus.strength', not both.");
        }
        if (weights != null && weights.length != configured.members()) {
            throw new InvalidRequest("chorus.weights", "The collaboration has " + configured.members()
                    + " members but 'chorus.weights' has " + weights.length + " entries.");
        }
        requireMethod(lambda, "chorus.lambda", fused, FusionMethod.CONTRASTIVE);
        requireMethod(alpha, "chorus.alpha", fused, FusionMethod.CONTRASTIVE);
        requireMethod(strength, "chorus.strength", fused, FusionMethod.PROXY);
        try {
            return new FusionRule(method == null ? fused : method,
                    strength != null ? proxyWeights(configured, strength) : weights != null ? weights : configured.weights(),
                    configured.temperatures(),
                    lambda == null ? configured.lambda() : lambda,
                    alpha == null ? configured.alpha() : alpha);
        } catch (InvalidFusionRule e) {
            String param = e.component().equals("weights") && strength != null ? "chorus.strength" : "chorus." + e.component();
            throw new InvalidRequest(param, "'" + param + "': " + e.getMessage() + ".");
        }
    }

    private static void requireMethod(Float value, String param, FusionMethod fused, FusionMethod required) {
        if (value != null && fused != required) {
            throw new InvalidRequest(param, "'" + param + "' applies to " + name(required)
                    + " collaborations; this one fuses with " + name(fused) + ".");
        }
    }

    private static float[] proxyWeights(FusionRule configured, float strength) {
        float[] coefficients = new float[configured.members()];
        coefficients[0] = 1f;
        for (int m = 1; m < coefficients.length; m++) {
            coefficients[m] = Math.signum(configured.weight(m)) * strength;
        }
        return coefficients;
    }

    private static String name(FusionMethod method) {
        return method.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FusionOverrides that && method == that.method && Arrays.equals(weights, that.weights)
                && Objects.equals(lambda, that.lambda) && Objects.equals(alpha, that.alpha)
                && Objects.equals(strength, that.strength);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, Arrays.hashCode(weights), lambda, alpha, strength);
    }

    @Override
    public String toString() {
        return "FusionOverrides[method=" + method + ", weights=" + Arrays.toString(weights) + ", lambda=" + lambda
                + ", alpha=" + alpha + ", strength=" + strength + "]";
    }
}
