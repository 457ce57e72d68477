package dev.chorus.engine.config;

import java.util.Objects;

/**
 * One member of a collaboration: a model, its coefficient in the fusion rule and its temperature.
 * The coefficient is signed for proxy-tuning (the anti-expert gets {@code -strength}).
 */
public record MemberSpec(String model, float weight, float temperature, ConfigLocation location) {
    public MemberSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(location, "location");
        if (!Float.isFinite(weight) || !(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("member " + model + ": finite weight and positive temperature required");
        }
    }
}
