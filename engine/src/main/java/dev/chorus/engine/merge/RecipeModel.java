package dev.chorus.engine.merge;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One source of a slice: a GGUF file, the layers it contributes {@code [firstLayer, endLayer)} (or all
 * when {@code endLayer} is -1) and its own parameters, which override the recipe's.
 */
public record RecipeModel(Path path, int firstLayer, int endLayer, Parameters parameters) {

    public static final int ALL_LAYERS = -1;

    public RecipeModel {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(parameters, "parameters");
        if (endLayer != ALL_LAYERS && (firstLayer < 0 || endLayer <= firstLayer)) {
            throw new IllegalArgumentException("layer_range of " + path + " must be [start, end) with 0 <= start < end, not ["
                    + firstLayer + ", " + endLayer + "]");
        }
    }
}
