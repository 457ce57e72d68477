package dev.chorus.kernels.merge;

/**
 * Merges one tensor of several models on a device, chunk by chunk: {@code out} receives, in order, the
 * chunks of the formula of {@code step} (see {@link MergeStep}'s records for the math) applied to
 * {@code inputs}. Backends compute in single precision; {@link MergeReference} is the double-precision
 * reference they are tested against. Instances keep device buffers (a chunk's worth) between calls and are
 * not thread-safe.
 */
public interface MergeKernels extends AutoCloseable {

    /** Receives a merged chunk: {@code values[0 .. count)} are the output elements {@code [start, start + count)}. */
    @FunctionalInterface
    interface Output {
        void accept(long start, float[] values, int count);
    }

    MergeBackend backend();

    /** The device in words, for logs and benchmark results. */
    String device();

    void merge(MergeStep step, TensorChunks inputs, Output out);

    /** Merges whole arrays as one chunk into {@code out[0 .. inputs.length())}. */
    default void merge(MergeStep step, MergeInputs inputs, float[] out) {
        if (out.length < inputs.length()) {
            throw new IllegalArgumentException("out holds " + out.length + " values, not " + inputs.length());
        }
        merge(step, TensorChunks.of(inputs, Math.max(1, inputs.length())),
                (start, values, count) -> System.arraycopy(values, 0, out, (int) start, count));
    }

    @Override
    void close();
}
