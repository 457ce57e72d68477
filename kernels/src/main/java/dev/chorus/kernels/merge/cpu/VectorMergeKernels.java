package dev.chorus.kernels.merge.cpu;

import dev.chorus.kernels.merge.DeltaKeep;
import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.MergeStep;
import dev.chorus.kernels.merge.RadixSelect;
import dev.chorus.kernels.merge.StagedMergeKernels;
import java.util.stream.IntStream;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The merge stages on the CPU in single precision: weighted sums and dot products with the Vector API,
 * the per-element keep logic of {@link DeltaKeep} in scalar code; weighted sums and delta combination run
 * in chunks on all cores. "Uploading" just keeps the arrays.
 */
final class VectorMergeKernels extends StagedMergeKernels {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** Floats as many as {@link #DOUBLES} has lanes, for widening. */
    private static final VectorSpecies<Float> HALF_FLOATS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));
    /** Elements summed in float before the partial sums move to double, bounding the rounding error. */
    private static final int DOT_BLOCK = 4096;
    /** Elements per parallel task: a multiple of the vector length and of 4. */
    private static final int TASK = 1 << 16;

    private MergeInputs inputs;
    private float[] result = new float[0];

    @Override
    public MergeBackend backend() {
        return MergeBackend.JAVA;
    }

    @Override
    public String device() {
        return "CPU, Vector API " + SPECIES.vectorBitSize() + "-bit";
    }

    @Override
    protected void upload(MergeInputs inputs, boolean withBase) {
        this.inputs = inputs;
        if (result.length < inputs.length()) {
            result = new float[inputs.length()];
        }
    }

    @Override
    protected double[] pairStatistics() {
        float[] a = inputs.models()[0];
        float[] b = inputs.models()[1];
        double dot = 0;
        double aa = 0;
        double bb = 0;
        int length = inputs.length();
        for (int start = 0; start < length; start += DOT_BLOCK) {
            int end = Math.min(length, start + DOT_BLOCK);
            FloatVector ab = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector b2 = FloatVector.zero(SPECIES);
            int i = start;
            for (; i <= end - SPECIES.length(); i += SPECIES.length()) {
                FloatVector x = FloatVector.fromArray(SPECIES, a, i);
                FloatVector y = FloatVector.fromArray(SPECIES, b, i);
                ab = x.fma(y, ab);
                a2 = x.fma(x, a2);
                b2 = y.fma(y, b2);
            }
            dot += ab.reduceLanes(VectorOperators.ADD);
            aa += a2.reduceLanes(VectorOperators.ADD);
            bb += b2.reduceLanes(VectorOperators.ADD);
            for (; i < end; i++) {
                dot += a[i] * b[i];
                aa += a[i] * a[i];
                bb += b[i] * b[i];
            }
        }
        return new double[] {dot, aa, bb};
    }

    /** Each core counts a range of the chunk; the counts are added. */
    @Override
    protected long[] keyHistogram(int model, int shift, int prefix, int tieKey) {
        float[] x = inputs.models()[model];
        float[] base = inputs.base();
        int length = inputs.length();
        int chunks = Math.max(1, (length + TASK - 1) / TASK);
        return IntStream.range(0, chunks).parallel().mapToObj(chunk -> {
            long[] counts = new long[RadixSelect.BINS];
            int end = Math.min(length, (chunk + 1) * TASK);
            for (int i = chunk * TASK; i < end; i++) {
                int key = DeltaKeep.key(x[i] - base[i]);
                int value = tieKey == DeltaKeep.NO_KEY ? key : ~i;
                if ((tieKey == DeltaKeep.NO_KEY || key == tieKey) && RadixSelect.matches(value, shift, prefix)) {
                    counts[(value >>> shift) & (RadixSelect.BINS - 1)]++;
                }
            }
            return counts;
        }).reduce(new long[RadixSelect.BINS], (sum, counts) -> {
            long[] total = sum.clone();
            for (int b = 0; b < total.length; b++) {
                total[b] += counts[b];
            }
            return total;
        });
    }

    /** Sums in double and rounds once, so a linear merge lies within one float ulp of the exact sum. */
    @Override
    protected void weightedSum(double[] coefficients) {
        inChunks(inputs.length(), (start, end) -> weightedSum(coefficients, start, end));
    }

    private void weightedSum(double[] coefficients, int start, int end) {
        float[][] models = inputs.models();
        int i = start;
        for (; i <= end - HALF_FLOATS.length(); i += HALF_FLOATS.length()) {
            DoubleVector sum = DoubleVector.zero(DOUBLES);
            for (int m = 0; m < models.length; m++) {
                DoubleVector x = (DoubleVector) FloatVector.fromArray(HALF_FLOATS, models[m], i)
                        .convertShape(VectorOperators.F2D, DOUBLES, 0);
                sum = x.fma(DoubleVector.broadcast(DOUBLES, coefficients[m]), sum);
            }
            sum.convertShape(VectorOperators.D2F, HALF_FLOATS, 0).reinterpretAsFloats().intoArray(result, i);
        }
        for (; i < end; i++) {
            double sum = 0;
            for (int m = 0; m < models.length; m++) {
                sum = Math.fma(models[m][i], coefficients[m], sum);
            }
            result[i] = (float) sum;
        }
    }

    @Override
    protected void combineDeltas(MergeStep.DeltaMerge step, int[] words, long offset) {
        boolean vectors = VectorDeltaCombiner.applies(step, inputs.modelCount());
        inChunks(inputs.length(), (start, end) -> {
            int tail = vectors ? new VectorDeltaCombiner(step, words, inputs.modelCount(), offset)
                    .combine(inputs, start, end, result) : start;
            DeltaCombiner combiner = new DeltaCombiner(step, words, inputs.modelCount(), offset);
            for (int i = tail; i < end; i++) {
                result[i] = combiner.combine(inputs, i);
            }
        });
    }

    /** Runs {@code work(start, end)} over [0, length) in chunks on all cores; chunks start at multiples of 4 (a Philox quad). */
    private static void inChunks(int length, ChunkWork work) {
        int chunks = (length + TASK - 1) / TASK;
        if (chunks <= 1) {
            work.run(0, length);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(chunk -> work.run(chunk * TASK, Math.min(length, (chunk + 1) * TASK)));
    }

    @FunctionalInterface
    private interface ChunkWork {
        void run(int start, int end);
    }

    @Override
    protected void download(float[] out, int length) {
        System.arraycopy(result, 0, out, 0, length);
    }

    @Override
    public void close() {
        inputs = null;
        result = new float[0];
    }
}
