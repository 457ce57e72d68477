package dev.chorus.server.http;

import dev.chorus.engine.FusionOverrides;
import dev.chorus.kernels.fusion.FusionMethod;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The request's {@code chorus} extension object: per-request changes to the collaboration's fusion rule. Every
 * part is optional; an absent part keeps the configured value.
 *
 * @param weights  one weight per member in the order {@code GET /v1/models} lists them
 * @param method   another pooling method for an ensemble ({@code linear}, {@code log_linear}, {@code max})
 * @param lambda   contrastive strength λ ≥ 0
 * @param alpha    contrastive plausibility cut in (0, 1]
 * @param strength proxy-tuning coefficient: the base keeps 1, each other member gets ±strength by its configured sign
 */
record FusionRequest(List<Double> weights, Optional<FusionMethod> method, OptionalDouble lambda,
                     OptionalDouble alpha, OptionalDouble strength) {
    static final FusionRequest NONE = new FusionRequest(List.of(), Optional.empty(), OptionalDouble.empty(),
            OptionalDouble.empty(), OptionalDouble.empty());
    private static final Set<FusionMethod> POOLING = EnumSet.of(FusionMethod.LINEAR, FusionMethod.LOG_LINEAR,
            FusionMethod.MAX);

    FusionRequest {
        weights = List.copyOf(weights);
    }

    /** The engine's overrides for {@code model}, checked against its kind and members (400 naming the field). */
    FusionOverrides resolve(ServedModel model) throws ApiException {
        if (equals(NONE)) {
            return FusionOverrides.NONE;
        }
        FusionOverrides overrides = FusionOverrides.NONE;
        if (!weights.isEmpty()) {
            if (strength.isPresent()) {
                throw ApiException.invalidValue("chorus.strength", "Give 'chorus.weights' or 'chorus.strength', not both.");
            }
            if (weights.size() != model.members().size()) {
                throw ApiException.invalidValue("chorus.weights", "'" + model.id() + "' has " + model.members().size()
                        + " members " + model.members() + " but 'chorus.weights' has " + weights.size() + " entries.");
            }
            FusionMethod effective = method.orElse(model.method());
            if ((effective == FusionMethod.LINEAR || effective == FusionMethod.MAX)
                    && (weights.stream().anyMatch(weight -> weight < 0)
                    || !(weights.stream().mapToDouble(Double::doubleValue).sum() > 0))) {
                throw ApiException.invalidValue("chorus.weights", effective.name().toLowerCase(Locale.ROOT)
                        + " pooling needs weights ≥ 0 with a positive sum, got " + weights + ".");
            }
            overrides = overrides.withWeights(floats(weights));
        }
        if (method.isPresent()) {
            if (method.get() != model.method() && !(POOLING.contains(method.get()) && POOLING.contains(model.method()))) {
                throw ApiException.invalidValue("chorus.method", "'" + model.id() + "' fuses with "
                        + model.method() + "; only an ensemble may switch between linear, log_linear and max.");
            }
            overrides = overrides.withMethod(method.get());
        }
        if (lambda.isPresent() || alpha.isPresent()) {
            requireMethod(model, FusionMethod.CONTRASTIVE, lambda.isPresent() ? "chorus.lambda" : "chorus.alpha");
            overrides = lambda.isPresent() ? overrides.withLambda((float) lambda.getAsDouble()) : overrides;
            overrides = alpha.isPresent() ? overrides.withAlpha((float) alpha.getAsDouble()) : overrides;
        }
        if (strength.isPresent()) {
            requireMethod(model, FusionMethod.PROXY, "chorus.strength");
            overrides = overrides.withWeights(proxyWeights(model, strength.getAsDouble()));
        }
        return overrides;
    }

    private static void requireMethod(ServedModel model, FusionMethod method, String param) throws ApiException {
        if (model.method() != method) {
            throw ApiException.invalidValue(param, "'" + param + "' applies to " + method.name().toLowerCase(Locale.ROOT)
                    + " collaborations; '" + model.id() + "' is " + model.kind() + ".");
        }
    }

    private static float[] proxyWeights(ServedModel model, double strength) {
        float[] weights = new float[model.weights().size()];
        weights[0] = 1f;
        for (int m = 1; m < weights.length; m++) {
            weights[m] = (float) (Math.signum(model.weights().get(m)) * strength);
        }
        return weights;
    }

    private static float[] floats(List<Double> values) {
        float[] floats = new float[values.size()];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = values.get(i).floatValue();
        }
        return floats;
    }
}
