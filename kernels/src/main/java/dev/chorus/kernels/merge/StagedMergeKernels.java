package dev.chorus.kernels.merge;

/**
 * The host side every device backend shares: it uploads a tensor set once, drives the device stages a
 * method needs (slerp's dot products, the radix selection of magnitude thresholds, the combining kernel)
 * and downloads the result. Subclasses implement the stages on their device.
 */
public abstract class StagedMergeKernels implements MergeKernels {

    /** Words per model in the delta parameters: weight bits, scale bits, key low, key high, keep24. */
    public static final int DELTA_WORDS = 5;

    @Override
    public final void merge(MergeStep step, MergeInputs inputs, float[] out) {
        if (out.length < inputs.length()) {
            throw new IllegalArgumentException("out holds " + out.length + " values, not " + inputs.length());
        }
        switch (step) {
            case MergeStep.Linear linear -> {
                requireModels(linear.weights().length, inputs);
                upload(inputs, false);
                weightedSum(toFloats(linear.coefficients()));
            }
            case MergeStep.Slerp slerp -> {
                if (inputs.modelCount() != 2) {
                    throw new IllegalArgumentException("slerp takes 2 models, not " + inputs.modelCount());
                }
                upload(inputs, false);
                double[] statistics = pairStatistics();
                weightedSum(toFloats(slerp.coefficients(statistics[0], statistics[1], statistics[2])));
            }
            case MergeStep.DeltaMerge delta -> {
                requireModels(delta.weights().length, inputs);
                inputs.requireBase("a task-vector merge");
                upload(inputs, true);
                combineDeltas(delta, deltaWords(delta, inputs.modelCount(), inputs.length()));
            }
        }
        download(out, inputs.length());
    }

    /** Copies the tensors to the device ({@code withBase}: the base too). */
    protected abstract void upload(MergeInputs inputs, boolean withBase);

    /** {@code {a·b, a·a, b·b}} of models 0 and 1. */
    protected abstract double[] pairStatistics();

    /** Counts digits of model m's delta keys ({@link DeltaKeep#key}) as {@link RadixSelect.DigitHistogram} does. */
    protected abstract long[] deltaKeyHistogram(int model, int shift, int prefix);

    /** {@code out = Σ_m coefficients[m] x_m} on the device. */
    protected abstract void weightedSum(float[] coefficients);

    /** The delta combination of {@link MergeStep.DeltaMerge} with {@code words} ({@link #DELTA_WORDS} per model). */
    protected abstract void combineDeltas(MergeStep.DeltaMerge step, int[] words);

    protected abstract void download(float[] out, int length);

    /** Adds per-block partial {@code {a·b, a·a, b·b}} triples in double. */
    protected static double[] addPartials(float[] triples) {
        double[] statistics = new double[3];
        for (int i = 0; i < triples.length; i++) {
            statistics[i % 3] += triples[i];
        }
        return statistics;
    }

    /** A device's 32-bit unsigned histogram as counts. */
    protected static long[] unsignedCounts(int[] bins) {
        long[] counts = new long[bins.length];
        for (int b = 0; b < bins.length; b++) {
            counts[b] = Integer.toUnsignedLong(bins[b]);
        }
        return counts;
    }

    private int[] deltaWords(MergeStep.DeltaMerge step, int models, int length) {
        int[] words = new int[DELTA_WORDS * models];
        for (int m = 0; m < models; m++) {
            int[] interval = {0, DeltaKeep.NO_KEY};
            if (step.sparsification() == Sparsification.MAGNITUDE
                    || step.sparsification() == Sparsification.MAGNITUDE_OUTLIERS) {
                int model = m;
                interval = MagnitudeRanks.of(step, m, length).keyInterval(rank -> RadixSelect.largest(
                        (shift, prefix) -> deltaKeyHistogram(model, shift, prefix), rank));
            }
            int at = DELTA_WORDS * m;
            words[at] = Float.floatToRawIntBits(step.weights()[m]);
            words[at + 1] = Float.floatToRawIntBits((float) step.scale(m));
            words[at + 2] = interval[0];
            words[at + 3] = interval[1];
            words[at + 4] = DeltaKeep.keep24(step, m);
        }
        return words;
    }

    private static void requireModels(int weights, MergeInputs inputs) {
        if (weights != inputs.modelCount()) {
            throw new IllegalArgumentException(weights + " weights for " + inputs.modelCount() + " models");
        }
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
