package dev.chorus.kernels.merge;

import java.util.ArrayList;
import java.util.List;

/**
 * The host side every device backend shares: it streams a tensor through the device a chunk at a time and
 * drives the passes a method needs — one for linear, task arithmetic and DARE; a norm pass before slerp's
 * weighted sum; for magnitude sparsification, the four radix-selection passes of every model's bounds at
 * once, then the combining pass. A tensor of one chunk is uploaded once for all its passes. Subclasses
 * implement the stages on the chunk that is on their device.
 */
public abstract class StagedMergeKernels implements MergeKernels {

    /**
     * Words per model in the delta parameters: weight bits, scale bits, low key, high key, low cut (low word,
     * high word), high cut (low word, high word), keep24 (see {@link DeltaKeep}).
     */
    public static final int DELTA_WORDS = 9;

    private float[] host = new float[0];

    @Override
    public final void merge(MergeStep step, TensorChunks inputs, Output out) {
        Resident resident = new Resident(inputs, step instanceof MergeStep.DeltaMerge);
        switch (step) {
            case MergeStep.Linear linear -> {
                requireModels(linear.weights().length, resident.first());
                weightedSums(resident, linear.coefficients(), out);
            }
            case MergeStep.Slerp slerp -> {
                if (resident.first().modelCount() != 2) {
                    throw new IllegalArgumentException("slerp takes 2 models, not " + resident.first().modelCount());
                }
                double[] statistics = new double[3];
                for (long chunk = 0; chunk < inputs.chunkCount(); chunk++) {
                    resident.upload(chunk);
                    double[] partial = pairStatistics();
                    for (int s = 0; s < 3; s++) {
                        statistics[s] += partial[s];
                    }
                }
                weightedSums(resident, slerp.coefficients(statistics[0], statistics[1], statistics[2]), out);
            }
            case MergeStep.DeltaMerge delta -> {
                requireModels(delta.weights().length, resident.first());
                int[] words = deltaWords(delta, magnitudeBounds(delta, resident));
                for (long chunk = 0; chunk < inputs.chunkCount(); chunk++) {
                    resident.upload(chunk);
                    combineDeltas(delta, words, inputs.chunkStart(chunk));
                    emit(resident, chunk, out);
                }
            }
        }
    }

    /** Copies a chunk to the device ({@code withBase}: the base too); stages then work on it. */
    protected abstract void upload(MergeInputs chunk, boolean withBase);

    /** {@code {a·b, a·a, b·b}} of models 0 and 1 over the chunk. */
    protected abstract double[] pairStatistics();

    /**
     * Counts digits as {@link RadixSelect.DigitHistogram} does: of model m's delta keys ({@link DeltaKeep#key}),
     * or with {@code tieKey} (not {@link DeltaKeep#NO_KEY}) of {@code ~i} for the chunk's elements i whose key is
     * {@code tieKey}.
     */
    protected abstract long[] keyHistogram(int model, int shift, int prefix, int tieKey);

    /**
     * {@code out = Σ_m coefficients[m] x_m} over the chunk; a backend may round the coefficients to float
     * ({@link #toFloats}) and sum in float.
     */
    protected abstract void weightedSum(double[] coefficients);

    /**
     * The delta combination of {@link MergeStep.DeltaMerge} over the chunk, which starts at element
     * {@code offset} of the tensor, with {@code words} ({@link #DELTA_WORDS} per model).
     */
    protected abstract void combineDeltas(MergeStep.DeltaMerge step, int[] words, long offset);

    /** Copies the chunk's result into {@code out[0 .. count)}. */
    protected abstract void download(float[] out, int count);

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

    private void weightedSums(Resident resident, double[] coefficients, Output out) {
        for (long chunk = 0; chunk < resident.inputs.chunkCount(); chunk++) {
            resident.upload(chunk);
            weightedSum(coefficients);
            emit(resident, chunk, out);
        }
    }

    private void emit(Resident resident, long chunk, Output out) {
        int count = resident.inputs.chunkSize(chunk);
        if (count == 0) {
            return;
        }
        if (host.length < count) {
            host = new float[count];
        }
        download(host, count);
        out.accept(resident.inputs.chunkStart(chunk), host, count);
    }

    /** Every model's magnitude bounds: {@link DeltaKeep.Bounds#ALL} unless the method sparsifies by magnitude. */
    private DeltaKeep.Bounds[] magnitudeBounds(MergeStep.DeltaMerge step, Resident resident) {
        int models = resident.first().modelCount();
        DeltaKeep.Bounds[] bounds = new DeltaKeep.Bounds[models];
        java.util.Arrays.fill(bounds, DeltaKeep.Bounds.ALL);
        if (step.sparsification() != Sparsification.MAGNITUDE && step.sparsification() != Sparsification.MAGNITUDE_OUTLIERS) {
            return bounds;
        }
        long length = resident.inputs.length();
        List<Boundary> boundaries = new ArrayList<>();
        Boundary[][] byModel = new Boundary[models][2];
        for (int m = 0; m < models; m++) {
            MagnitudeRanks ranks = MagnitudeRanks.of(step, m, length);
            if (ranks.lowRank() > 0) {
                boundaries.add(byModel[m][0] = new Boundary(m, ranks.lowRank(), resident.inputs.chunkCount()));
            }
            if (ranks.highRank() > 0) {
                boundaries.add(byModel[m][1] = new Boundary(m, ranks.highRank(), resident.inputs.chunkCount()));
            }
        }
        if (!boundaries.isEmpty()) {
            select(boundaries, resident);
        }
        for (int m = 0; m < models; m++) {
            Boundary low = byModel[m][0];
            Boundary high = byModel[m][1];
            bounds[m] = new DeltaKeep.Bounds(low == null ? DeltaKeep.NO_KEY : low.selection.key(),
                    low == null ? DeltaKeep.NO_CUT : cut(low, resident),
                    high == null ? DeltaKeep.NO_KEY : high.selection.key(), high == null ? 0 : cut(high, resident));
        }
        return bounds;
    }

    /** Radix selection of every boundary at once: each pass streams the chunks through the device once. */
    private void select(List<Boundary> boundaries, Resident resident) {
        while (!boundaries.getFirst().selection.done()) {
            long[][] sums = new long[boundaries.size()][RadixSelect.BINS];
            for (long chunk = 0; chunk < resident.inputs.chunkCount(); chunk++) {
                resident.upload(chunk);
                for (int b = 0; b < boundaries.size(); b++) {
                    Boundary boundary = boundaries.get(b);
                    long[] counts = keyHistogram(boundary.model, boundary.selection.shift(), boundary.selection.prefix(),
                            DeltaKeep.NO_KEY);
                    for (int bin = 0; bin < RadixSelect.BINS; bin++) {
                        sums[b][bin] += counts[bin];
                    }
                    if (boundary.selection.shift() == 0) {
                        boundary.lastCounts[(int) chunk] = toInts(counts);
                    }
                }
            }
            for (int b = 0; b < boundaries.size(); b++) {
                Boundary boundary = boundaries.get(b);
                int digit = boundary.selection.accept(sums[b]);
                if (boundary.selection.done()) {
                    for (int chunk = 0; chunk < boundary.lastCounts.length; chunk++) {
                        boundary.equalPerChunk[chunk] = boundary.lastCounts[chunk][digit];
                    }
                    boundary.lastCounts = null;
                }
            }
        }
    }

    /**
     * The index cut of a boundary: one past the index of the last element with the boundary's key that ranks
     * within its rank (the elements with that key taken in index order), or {@link DeltaKeep#NO_CUT} when all do.
     */
    private long cut(Boundary boundary, Resident resident) {
        RadixSelect.Selection selection = boundary.selection;
        if (selection.equalTaken() == selection.equalCount()) {
            return DeltaKeep.NO_CUT;
        }
        long wanted = selection.equalTaken();
        for (int chunk = 0; ; chunk++) {
            if (wanted <= boundary.equalPerChunk[chunk]) {
                resident.upload(chunk);
                int flipped = RadixSelect.largest((shift, prefix) -> keyHistogram(boundary.model, shift, prefix,
                        selection.key()), wanted);
                return resident.inputs.chunkStart(chunk) + Integer.toUnsignedLong(~flipped) + 1;
            }
            wanted -= boundary.equalPerChunk[chunk];
        }
    }

    private static int[] toInts(long[] counts) {
        int[] ints = new int[counts.length];
        for (int i = 0; i < counts.length; i++) {
            ints[i] = (int) counts[i];
        }
        return ints;
    }

    private static int[] deltaWords(MergeStep.DeltaMerge step, DeltaKeep.Bounds[] bounds) {
        int models = bounds.length;
        int[] words = new int[DELTA_WORDS * models];
        for (int m = 0; m < models; m++) {
            int at = DELTA_WORDS * m;
            words[at] = Float.floatToRawIntBits(step.weights()[m]);
            words[at + 1] = Float.floatToRawIntBits((float) step.scale(m));
            words[at + 2] = bounds[m].low();
            words[at + 3] = bounds[m].high();
            words[at + 4] = (int) bounds[m].lowCut();
            words[at + 5] = (int) (bounds[m].lowCut() >>> 32);
            words[at + 6] = (int) bounds[m].highCut();
            words[at + 7] = (int) (bounds[m].highCut() >>> 32);
            words[at + 8] = DeltaKeep.keep24(step, m);
        }
        return words;
    }

    /** One model's selection of the key of one rank, with the per-chunk counts of the keys equal to it. */
    private static final class Boundary {
        final int model;
        final RadixSelect.Selection selection;
        final int[] equalPerChunk;
        int[][] lastCounts;

        Boundary(int model, long rank, long chunks) {
            this.model = model;
            this.selection = new RadixSelect.Selection(rank);
            this.equalPerChunk = new int[Math.toIntExact(chunks)];
            this.lastCounts = new int[Math.toIntExact(chunks)][];
        }
    }

    /** Which chunk is on the device, so a tensor of one chunk is read and uploaded once. */
    private final class Resident {
        final TensorChunks inputs;
        final boolean withBase;
        private long uploaded = -1;
        private MergeInputs current;

        Resident(TensorChunks inputs, boolean withBase) {
            this.inputs = inputs;
            this.withBase = withBase;
        }

        /** The first chunk, uploaded (its shape tells how many models there are). */
        MergeInputs first() {
            upload(0);
            return current;
        }

        void upload(long chunk) {
            if (chunk != uploaded) {
                current = inputs.read(inputs.chunkStart(chunk), inputs.chunkSize(chunk), withBase);
                if (withBase) {
                    current.requireBase("a task-vector merge");
                }
                StagedMergeKernels.this.upload(current, withBase);
                uploaded = chunk;
            }
        }
    }

    private static void requireModels(int weights, MergeInputs inputs) {
        if (weights != inputs.modelCount()) {
            throw new IllegalArgumentException(weights + " weights for " + inputs.modelCount() + " models");
        }
    }

    protected static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
