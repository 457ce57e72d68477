package dev.chorus.kernels.merge;

import java.util.Objects;

/** What to do with one tensor: the formula of a merge method with its per-tensor parameters. */
public sealed interface MergeStep {

    /**
     * {@code out = Σ_m w_m x_m}, divided by {@code Σ_m w_m} when {@code normalize} (Wortsman et al. 2022,
     * model soups). The base tensor is not used.
     */
    record Linear(float[] weights, boolean normalize) implements MergeStep {
        public Linear {
            Objects.requireNonNull(weights, "weights");
            if (normalize && Math.abs(sum(weights)) < 1e-8) {
                throw new IllegalArgumentException("normalised linear weights must not sum to 0");
            }
        }

        /** The weights as they multiply the models, normalised when asked. */
        public double[] coefficients() {
            double divisor = normalize ? sum(weights) : 1;
            double[] coefficients = new double[weights.length];
            for (int m = 0; m < weights.length; m++) {
                coefficients[m] = weights[m] / divisor;
            }
            return coefficients;
        }
    }

    /**
     * Spherical interpolation of models 0 and 1 at {@code t} (Shoemake 1985, as in mergekit): with
     * {@code cos θ = a·b / (|a||b|)}, {@code out = sin((1−t)θ)/sin θ · a + sin(tθ)/sin θ · b}, or
     * {@code (1−t)a + t b} when {@code |cos θ| > 0.9995}.
     */
    record Slerp(float t) implements MergeStep {
        /** Above this |cos θ| the vectors are nearly colinear and slerp falls back to linear interpolation. */
        public static final double COLINEAR_DOT = 0.9995;
        /** Norms below this leave a vector unnormalised, as mergekit does. */
        public static final double NORM_EPSILON = 1e-8;

        public Slerp {
            if (!Float.isFinite(t)) {
                throw new IllegalArgumentException("slerp t must be finite, not " + t);
            }
        }

        /** The coefficients of models 0 and 1 given their dot product and squared norms. */
        public double[] coefficients(double dot, double squaredNorm0, double squaredNorm1) {
            double norm0 = Math.sqrt(squaredNorm0);
            double norm1 = Math.sqrt(squaredNorm1);
            double cosine = dot / (norm0 > NORM_EPSILON ? norm0 : 1) / (norm1 > NORM_EPSILON ? norm1 : 1);
            if (Math.abs(cosine) > COLINEAR_DOT) {
                return new double[] {1 - t, t};
            }
            double theta = Math.acos(cosine);
            double sinTheta = Math.sin(theta);
            return new double[] {Math.sin(theta - theta * t) / sinTheta, Math.sin(theta * t) / sinTheta};
        }
    }

    /**
     * Generalised task arithmetic (mergekit's shape for task arithmetic, TIES, DARE and breadcrumbs):
     * {@code δ_m = x_m − base}; {@code δ'_m = keep_m · δ_m · scale_m} after {@link Sparsification};
     * {@code d_m = w_m δ'_m}; with {@code consensus}, the elected sign {@code s = sign(Σ_m d_m)} and
     * {@code mask_m = [d_m ≠ 0 ∧ sign(d_m) = s]}, {@code mixed = Σ_m mask_m d_m} over divisor
     * {@code Σ_m mask_m w_m}; without, {@code mixed = Σ_m d_m} over {@code Σ_m w_m}. Divisors near 0 count
     * as 1; {@code out = base + λ · (normalize ? mixed / divisor : mixed)}.
     *
     * @param densities  per model, the fraction kept (1 keeps all)
     * @param gamma      for {@link Sparsification#MAGNITUDE_OUTLIERS}, the top fraction dropped
     * @param rescale    for {@link Sparsification#RANDOM}, scale kept deltas by {@code 1/density}
     * @param seed       for {@link Sparsification#RANDOM}, the Philox key
     * @param tensorIndex for {@link Sparsification#RANDOM}, the tensor's position in the output file (a Philox counter word)
     */
    record DeltaMerge(float[] weights, double[] densities, Sparsification sparsification, double gamma, boolean rescale,
                      boolean consensus, boolean normalize, float lambda, long seed, int tensorIndex) implements MergeStep {
        public DeltaMerge {
            Objects.requireNonNull(weights, "weights");
            Objects.requireNonNull(densities, "densities");
            Objects.requireNonNull(sparsification, "sparsification");
            if (densities.length != weights.length) {
                throw new IllegalArgumentException(weights.length + " weights but " + densities.length + " densities");
            }
            for (double density : densities) {
                if (!(density >= 0 && density <= 1) || (sparsification == Sparsification.RANDOM && density == 0)) {
                    throw new IllegalArgumentException("density must be in " + (sparsification == Sparsification.RANDOM
                            ? "(0, 1]" : "[0, 1]") + ", not " + density);
                }
            }
            if (!(gamma >= 0 && gamma < 1)) {
                throw new IllegalArgumentException("gamma must be in [0, 1), not " + gamma);
            }
            if (!Float.isFinite(lambda)) {
                throw new IllegalArgumentException("lambda must be finite, not " + lambda);
            }
            if (tensorIndex < 0) {
                throw new IllegalArgumentException("negative tensor index " + tensorIndex);
            }
        }

        /** The divisor of the unmasked sum: {@code Σ_m w_m}, or 1 when it is near 0. */
        public double weightSum() {
            double sum = sum(weights);
            return Math.abs(sum) < 1e-8 ? 1 : sum;
        }

        /** The factor applied to model m's kept deltas: {@code 1/density} for rescaled DARE, else 1. */
        public double scale(int model) {
            return sparsification == Sparsification.RANDOM && rescale ? 1 / densities[model] : 1;
        }
    }

    private static double sum(float[] values) {
        double sum = 0;
        for (float value : values) {
            sum += value;
        }
        return sum;
    }
}
