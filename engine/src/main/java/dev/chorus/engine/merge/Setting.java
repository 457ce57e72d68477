package dev.chorus.engine.merge;

import java.util.List;

/**
 * A recipe parameter's value: one number, or (mergekit's gradient) a list interpolated linearly along
 * the layers, {@code t = 0} at the first layer of a slice and {@code t = 1} at its last; an optional
 * {@code filter} restricts it to tensors whose GGUF or Hugging Face name contains the text ({@link TensorNames}).
 */
public record Setting(String filter, List<Double> values) {

    public Setting {
        values = List.copyOf(values);
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a parameter gradient needs at least one value");
        }
        for (double value : values) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("parameter values must be finite, not " + value);
            }
        }
    }

    public static Setting of(double value) {
        return new Setting(null, List.of(value));
    }

    /** Whether this setting applies to the tensor {@code name}. */
    public boolean matches(String name) {
        return filter == null || TensorNames.filterMatches(filter, name);
    }

    /** The value at position {@code t} in [0, 1] of the gradient. */
    public double at(double t) {
        if (values.size() == 1) {
            return values.getFirst();
        }
        double position = Math.clamp(t, 0, 1) * (values.size() - 1);
        int below = (int) Math.min(Math.floor(position), values.size() - 2);
        double fraction = position - below;
        return values.get(below) * (1 - fraction) + values.get(below + 1) * fraction;
    }
}
