package dev.chorus.engine.merge;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code parameters:} mapping: each name holds settings tried in order, the first whose filter matches
 * the tensor wins (mergekit's {@code - filter: self_attn / value: ...} lists; a plain value has no filter).
 */
public record Parameters(Map<String, List<Setting>> settings) {

    /**
     * The names a recipe may set. {@code int8_mask} is mergekit's memory option for sign masks (int8 instead of
     * the compute type); it changes no value, and Chorus's masks are bits, so it is accepted and has no effect.
     */
    public static final List<String> KNOWN = List.of("weight", "density", "gamma", "t", "lambda", "normalize", "rescale",
            "int8_mask", "scale");

    public Parameters {
        settings = Map.copyOf(settings);
        for (String name : settings.keySet()) {
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException("unknown parameter '" + name + "'; known: " + KNOWN);
            }
        }
    }

    public static final Parameters NONE = new Parameters(Map.of());

    /** Every {@code (parameter, filter)} pair set here, for checking that each filter matches some tensor. */
    public Map<String, List<String>> filters() {
        Map<String, List<String>> filters = new java.util.TreeMap<>();
        settings.forEach((name, list) -> {
            List<String> named = list.stream().map(Setting::filter).filter(java.util.Objects::nonNull).toList();
            if (!named.isEmpty()) {
                filters.put(name, named);
            }
        });
        return filters;
    }

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
