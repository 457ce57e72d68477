package dev.chorus.kernels.merge;

import java.util.Objects;

/**
 * One tensor of every model: {@code models[m][0 .. length)} and, for the delta methods, the base model's
 * {@code base[0 .. length)} (null otherwise). Arrays may be longer than {@code length} so callers can reuse
 * them across tensors of different sizes.
 */
public record MergeInputs(float[] base, float[][] models, int length) {

    /** Most models one merge takes (the device kernels keep a value per model in registers). */
    public static final int MAX_MODELS = 16;

    public MergeInputs {
        Objects.requireNonNull(models, "models");
        if (models.length == 0 || models.length > MAX_MODELS) {
            throw new IllegalArgumentException("a merge takes 1 to " + MAX_MODELS + " models, not " + models.length);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        for (int m = 0; m < models.length; m++) {
            Objects.requireNonNull(models[m], "models[" + m + "]");
            if (models[m].length < length) {
                throw new IllegalArgumentException("models[" + m + "] holds " + models[m].length + " values, not " + length);
            }
        }
        if (base != null && base.length < length) {
            throw new IllegalArgumentException("base holds " + base.length + " values, not " + length);
        }
    }

    public int modelCount() {
        return models.length;
    }

    /** The base tensor, or an error naming the method that needs it. */
    float[] requireBase(String method) {
        if (base == null) {
            throw new IllegalArgumentException(method + " needs a base model tensor");
        }
        return base;
    }
}
