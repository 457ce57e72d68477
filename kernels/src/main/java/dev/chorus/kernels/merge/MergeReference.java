package dev.chorus.kernels.merge;

import java.util.Arrays;

/**
 * The reference every backend is tested against: each formula of {@link MergeStep} written out directly,
 * accumulating in double. Magnitude thresholds come from sorting the keys (not from {@link RadixSelect}),
 * and deltas are keyed in float as on the devices, so keep decisions are exact.
 */
public final class MergeReference implements MergeKernels {

    @Override
    public MergeBackend backend() {
        return MergeBackend.JAVA;
    }

    @Override
    public String device() {
        return "double-precision reference";
    }

    @Override
    public void merge(MergeStep step, MergeInputs inputs, float[] out) {
        switch (step) {
            case MergeStep.Linear linear -> weightedSum(inputs, linear.coefficients(), out);
            case MergeStep.Slerp slerp -> {
                float[] a = inputs.models()[0];
                float[] b = inputs.models()[1];
                double dot = 0;
                double aa = 0;
                double bb = 0;
                for (int i = 0; i < inputs.length(); i++) {
                    dot += (double) a[i] * b[i];
                    aa += (double) a[i] * a[i];
                    bb += (double) b[i] * b[i];
                }
                weightedSum(inputs, slerp.coefficients(dot, aa, bb), out);
            }
            case MergeStep.DeltaMerge delta -> combineDeltas(delta, inputs, out);
        }
    }

    @Override
    public void close() {
        // holds nothing
    }

    private static void weightedSum(MergeInputs inputs, double[] coefficients, float[] out) {
        for (int i = 0; i < inputs.length(); i++) {
            double sum = 0;
            for (int m = 0; m < coefficients.length; m++) {
                sum += coefficients[m] * inputs.models()[m][i];
            }
            out[i] = (float) sum;
        }
    }

    private static void combineDeltas(MergeStep.DeltaMerge step, MergeInputs inputs, float[] out) {
        float[] base = inputs.requireBase("a task-vector merge");
        int models = inputs.modelCount();
        int[][] intervals = new int[models][];
        for (int m = 0; m < models; m++) {
            intervals[m] = step.sparsification() == Sparsification.MAGNITUDE
                    || step.sparsification() == Sparsification.MAGNITUDE_OUTLIERS
                    ? MagnitudeRanks.of(step, m, inputs.length()).keyInterval(sortedKeys(base, inputs.models()[m], inputs.length()))
                    : new int[] {0, DeltaKeep.NO_KEY};
        }
        int[] words = new int[4];
        double[] weighted = new double[models];
        for (int i = 0; i < inputs.length(); i++) {
            double sum = 0;
            for (int m = 0; m < models; m++) {
                float delta = inputs.models()[m][i] - base[i];
                boolean keep = DeltaKeep.inInterval(DeltaKeep.key(delta), intervals[m][0], intervals[m][1]);
                int keep24 = DeltaKeep.keep24(step, m);
                if (keep && keep24 != DeltaKeep.KEEP_ALL) {
                    DeltaKeep.dareWords(step.seed(), step.tensorIndex(), m, i >>> 2, words);
                    keep = DeltaKeep.dareKeeps(words[i & 3], keep24);
                }
                double exact = (double) inputs.models()[m][i] - base[i];
                weighted[m] = keep ? step.weights()[m] * exact * step.scale(m) : 0;
                sum += weighted[m];
            }
            double mixed = sum;
            double divisor = step.weightSum();
            if (step.consensus()) {
                mixed = 0;
                divisor = 0;
                for (int m = 0; m < models; m++) {
                    if (weighted[m] != 0 && (weighted[m] > 0) == (sum > 0) && sum != 0) {
                        mixed += weighted[m];
                        divisor += step.weights()[m];
                    }
                }
                divisor = divisor == 0 ? 1 : divisor;
            }
            out[i] = (float) (base[i] + step.lambda() * (step.normalize() ? mixed / divisor : mixed));
        }
    }

    /** {@code largest(r)}: the r-th largest delta key, from a sort. */
    private static java.util.function.LongToIntFunction sortedKeys(float[] base, float[] model, int length) {
        long[] keys = new long[length];
        for (int i = 0; i < length; i++) {
            keys[i] = Integer.toUnsignedLong(DeltaKeep.key(model[i] - base[i]));
        }
        Arrays.sort(keys);
        return rank -> (int) keys[(int) (length - rank)];
    }
}
