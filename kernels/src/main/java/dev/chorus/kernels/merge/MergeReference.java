package dev.chorus.kernels.merge;

import java.util.Arrays;

/**
 * The reference every backend is tested against: each formula of {@link MergeStep} written out directly on
 * whole tensors, accumulating in double. Magnitude ranks come from sorting (not from {@link RadixSelect}),
 * with deltas keyed in float as on the devices and equal magnitudes ordered by index, so keep decisions are
 * exact. Memory is no concern here: it reads every chunk into whole arrays first.
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
    public void merge(MergeStep step, TensorChunks chunks, Output out) {
        MergeInputs inputs = whole(chunks, step instanceof MergeStep.DeltaMerge);
        float[] result = new float[inputs.length()];
        switch (step) {
            case MergeStep.Linear linear -> weightedSum(inputs, linear.coefficients(), result);
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
                weightedSum(inputs, slerp.coefficients(dot, aa, bb), result);
            }
            case MergeStep.DeltaMerge delta -> combineDeltas(delta, inputs, result);
        }
        if (result.length > 0) {
            out.accept(0, result, result.length);
        }
    }

    @Override
    public void close() {
        // holds nothing
    }

    private static MergeInputs whole(TensorChunks chunks, boolean withBase) {
        int length = Math.toIntExact(chunks.length());
        float[] base = null;
        float[][] models = null;
        for (long chunk = 0; chunk < chunks.chunkCount(); chunk++) {
            MergeInputs part = chunks.read(chunks.chunkStart(chunk), chunks.chunkSize(chunk), withBase);
            if (models == null) {
                models = new float[part.modelCount()][length];
                base = withBase ? new float[length] : null;
            }
            int start = (int) chunks.chunkStart(chunk);
            for (int m = 0; m < models.length; m++) {
                System.arraycopy(part.models()[m], 0, models[m], start, part.length());
            }
            if (withBase) {
                System.arraycopy(part.requireBase("a task-vector merge"), 0, base, start, part.length());
            }
        }
        return new MergeInputs(base, models, length);
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
        boolean[][] kept = new boolean[models][];
        for (int m = 0; m < models; m++) {
            kept[m] = step.sparsification() == Sparsification.MAGNITUDE
                    || step.sparsification() == Sparsification.MAGNITUDE_OUTLIERS
                    ? keptRanks(MagnitudeRanks.of(step, m, inputs.length()), base, inputs.models()[m], inputs.length())
                    : null;
        }
        int[] words = new int[4];
        double[] weighted = new double[models];
        for (int i = 0; i < inputs.length(); i++) {
            double sum = 0;
            for (int m = 0; m < models; m++) {
                boolean keep = kept[m] == null || kept[m][i];
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
                    if (weighted[m] != 0 && (weighted[m] > 0) == (sum >= 0)) {
                        mixed += weighted[m];
                        divisor += step.weights()[m];
                    }
                }
                divisor = divisor == 0 ? 1 : divisor;
            }
            out[i] = (float) (base[i] + step.lambda() * (step.normalize() ? mixed / divisor : mixed));
        }
    }

    /** The elements whose rank (by float |δ| descending, then index ascending) lies in the kept ranks. */
    private static boolean[] keptRanks(MagnitudeRanks ranks, float[] base, float[] model, int length) {
        long[] order = new long[length];
        for (int i = 0; i < length; i++) {
            int key = DeltaKeep.key(model[i] - base[i]);
            order[i] = (long) (Integer.MAX_VALUE - key) << 32 | i;
        }
        Arrays.sort(order);
        boolean[] kept = new boolean[length];
        for (long rank = ranks.dropped(); rank < ranks.dropped() + ranks.kept(); rank++) {
            kept[(int) order[(int) rank]] = true;
        }
        return kept;
    }
}
