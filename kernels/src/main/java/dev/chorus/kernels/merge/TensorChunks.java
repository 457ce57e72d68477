package dev.chorus.kernels.merge;

import java.util.Objects;

/**
 * One tensor of every model (and the base, for the delta methods), read a chunk at a time, so a merge
 * holds a few chunks whatever the tensor's size. Chunk {@code c} covers elements
 * {@code [c · chunkLength, min(length, (c + 1) · chunkLength))}; a method may read a chunk several times
 * (one pass per statistic it needs).
 */
public interface TensorChunks {

    /** Elements of the tensor. */
    long length();

    /** Elements per chunk but the last: a multiple of 4 (a DARE quad) unless the tensor is one chunk. */
    int chunkLength();

    /**
     * The elements {@code [start, start + count)} of every model (and the base, when {@code withBase});
     * the arrays are valid until the next read.
     */
    MergeInputs read(long start, int count, boolean withBase);

    /** Chunks in the tensor (one for an empty tensor). */
    default long chunkCount() {
        return Math.max(1, Math.ceilDiv(length(), (long) chunkLength()));
    }

    default long chunkStart(long chunk) {
        return chunk * chunkLength();
    }

    default int chunkSize(long chunk) {
        return (int) Math.min(chunkLength(), length() - chunkStart(chunk));
    }

    /** Whole arrays, served in chunks of {@code chunkLength} (copied when a chunk is not the whole tensor). */
    static TensorChunks of(MergeInputs whole, int chunkLength) {
        Objects.requireNonNull(whole, "whole");
        if (chunkLength < 1 || (chunkLength < whole.length() && chunkLength % 4 != 0)) {
            throw new IllegalArgumentException("chunks must be a positive multiple of 4 elements, not " + chunkLength);
        }
        return new TensorChunks() {
            private final float[] base = whole.base() == null ? null : new float[Math.min(chunkLength, whole.length())];
            private final float[][] models = new float[whole.modelCount()][Math.min(chunkLength, whole.length())];

            @Override
            public long length() {
                return whole.length();
            }

            @Override
            public int chunkLength() {
                return chunkLength;
            }

            @Override
            public MergeInputs read(long start, int count, boolean withBase) {
                if (start == 0 && count == whole.length()) {
                    return whole;
                }
                for (int m = 0; m < models.length; m++) {
                    System.arraycopy(whole.models()[m], (int) start, models[m], 0, count);
                }
                if (withBase) {
                    System.arraycopy(whole.requireBase("a task-vector merge"), (int) start, base, 0, count);
                }
                return new MergeInputs(withBase ? base : null, models, count);
            }
        };
    }
}
