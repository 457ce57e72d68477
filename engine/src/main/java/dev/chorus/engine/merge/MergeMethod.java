package dev.chorus.engine.merge;

import dev.chorus.kernels.merge.Sparsification;
import java.util.Arrays;
import java.util.Locale;

/**
 * The merge methods a recipe's {@code merge_method} names, with mergekit's defaults for each: the
 * delta methods are mergekit's generalised task arithmetic with a sparsification and an optional sign
 * consensus; passthrough copies each slice's one source (times its optional {@code scale}). See
 * docs/merging.md for the formulas and papers.
 */
public enum MergeMethod {
    LINEAR(null, false, true, false),
    PASSTHROUGH(null, false, false, false),
    SLERP(null, false, false, false),
    TASK_ARITHMETIC(Sparsification.NONE, false, false, false),
    TIES(Sparsification.MAGNITUDE, true, true, false),
    DARE_LINEAR(Sparsification.RANDOM, false, false, true),
    DARE_TIES(Sparsification.RANDOM, true, false, true),
    BREADCRUMBS(Sparsification.MAGNITUDE_OUTLIERS, false, false, false),
    BREADCRUMBS_TIES(Sparsification.MAGNITUDE_OUTLIERS, true, false, false);

    private final Sparsification sparsification;
    private final boolean consensus;
    private final boolean defaultNormalize;
    private final boolean defaultRescale;

    MergeMethod(Sparsification sparsification, boolean consensus, boolean defaultNormalize, boolean defaultRescale) {
        this.sparsification = sparsification;
        this.consensus = consensus;
        this.defaultNormalize = defaultNormalize;
        this.defaultRescale = defaultRescale;
    }

    /** The recipe spelling, e.g. {@code dare_ties}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MergeMethod parse(String id) {
        for (MergeMethod method : values()) {
            if (method.id().equals(id)) {
                return method;
            }
        }
        throw new IllegalArgumentException("merge_method must be one of "
                + Arrays.stream(values()).map(MergeMethod::id).toList() + ", not '" + id + "'");
    }

    /** Whether the method combines task vectors relative to {@code base_model}. */
    public boolean usesDeltas() {
        return sparsification != null;
    }

    /** Whether the method needs a {@code base_model} (delta methods and slerp's first endpoint). */
    public boolean needsBase() {
        return usesDeltas() || this == SLERP;
    }

    /** Whether every model needs a {@code weight} (mergekit requires one for linear and the delta methods). */
    public boolean needsWeight() {
        return this == LINEAR || usesDeltas();
    }

    public Sparsification sparsification() {
        return sparsification;
    }

    public boolean consensus() {
        return consensus;
    }

    public boolean defaultNormalize() {
        return defaultNormalize;
    }

    public boolean defaultRescale() {
        return defaultRescale;
    }
}
