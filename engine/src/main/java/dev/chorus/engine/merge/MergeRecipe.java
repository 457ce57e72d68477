package dev.chorus.engine.merge;

import dev.chorus.gguf.GgmlType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed merge recipe (see {@link RecipeParser} for the YAML): the method, the base model, the slices of
 * layers (a recipe with {@code models:} is one slice over every layer), the recipe-wide parameters, the
 * output tensor type and the DARE seed.
 */
public record MergeRecipe(MergeMethod method, Optional<Path> base, List<List<RecipeModel>> slices, Parameters parameters,
                          GgmlType outType, long seed) {

    public MergeRecipe {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(outType, "outType");
        slices = slices.stream().map(List::copyOf).toList();
        if (slices.isEmpty() || slices.stream().anyMatch(List::isEmpty)) {
            throw new IllegalArgumentException("a recipe needs models (or slices with sources)");
        }
        if (method.needsBase() && base.isEmpty()) {
            throw new IllegalArgumentException(method.id() + " needs base_model");
        }
        for (List<RecipeModel> slice : slices) {
            if (slice.stream().map(RecipeModel::path).distinct().count() != slice.size()) {
                throw new IllegalArgumentException("a slice names the same model twice: " + slice);
            }
            int merged = contributors(method, base, slice).size();
            if (method == MergeMethod.PASSTHROUGH && slice.size() != 1) {
                throw new IllegalArgumentException("passthrough copies one source per slice, not " + slice.size()
                        + ": " + slice.stream().map(RecipeModel::path).toList());
            }
            if (method == MergeMethod.SLERP && merged != 1) {
                throw new IllegalArgumentException("slerp merges base_model with exactly one other model, not " + merged);
            }
            if (merged == 0) {
                throw new IllegalArgumentException(method.id() + " needs a model besides base_model");
            }
            if (merged > dev.chorus.kernels.merge.MergeInputs.MAX_MODELS) {
                throw new IllegalArgumentException("at most " + dev.chorus.kernels.merge.MergeInputs.MAX_MODELS
                        + " models merge at once, not " + merged);
            }
        }
    }

    /**
     * The models whose tensors enter the formula for one slice: for delta methods and slerp every source
     * but the base (which enters as the base), for linear and passthrough every source.
     */
    public List<RecipeModel> contributors(List<RecipeModel> slice) {
        return contributors(method, base, slice);
    }

    private static List<RecipeModel> contributors(MergeMethod method, Optional<Path> base, List<RecipeModel> slice) {
        if (method == MergeMethod.LINEAR || method == MergeMethod.PASSTHROUGH) {
            return slice;
        }
        return slice.stream().filter(model -> !base.map(model.path()::equals).orElse(false)).toList();
    }

    /** Every distinct input file, the base first. */
    public List<Path> files() {
        Set<Path> files = new LinkedHashSet<>();
        base.ifPresent(files::add);
        slices.forEach(slice -> slice.forEach(model -> files.add(model.path())));
        return new ArrayList<>(files);
    }

    /** The file that gives the output its metadata and tokenizer ({@code tokenizer_source: base}): the base, else the first model. */
    public Path metadataSource() {
        return base.orElse(slices.getFirst().getFirst().path());
    }
}
