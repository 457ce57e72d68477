package dev.chorus.engine.merge;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code parameters:} mapping: each name holds settings tried in order, the first whose filter matches
 * the tensor wins (mergekit's {@code - filter: self_attn / value: ...} lists; a plain value has no filter).
 */
public record Parameters(Map<String, List<Setting>> settings) {

    /** The names a recipe may set. */
    public static final List<String> KNOWN = List.of("weight", "density", "gamma", "t", "lambda", "normalize", "rescale");

    public Parameters {
        settings = Map.copyOf(settings);
        for (String name : settings.keySet()) {
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException("unknown parameter '" + name + "'; known: " + KNOWN);
            }
        }
    }

    public static final Parameters NONE = new Parameters(Map.of());

    /** The value for the tensor {@code name} at gradient position {@code t}, if set here. */
    public Optional<Double> value(String parameter, String tensorName, double t) {
        for (Setting setting : settings.getOrDefault(parameter, List.of())) {
            if (setting.matches(tensorName)) {
                return Optional.of(setting.at(t));
            }
        }
        return Optional.empty();
    }
}
