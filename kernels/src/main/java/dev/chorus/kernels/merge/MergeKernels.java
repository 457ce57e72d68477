package dev.chorus.kernels.merge;

/**
 * Merges one tensor of several models on a device: {@code out[0 .. inputs.length())} receives the formula of
 * {@code step} (see {@link MergeStep}'s records for the math) applied to {@code inputs}. Backends compute in
 * single precision; {@link MergeReference} is the double-precision reference they are tested against.
 * Instances keep device buffers between calls and are not thread-safe.
 */
public interface MergeKernels extends AutoCloseable {

    MergeBackend backend();

    /** The device in words, for logs and benchmark results. */
    String device();

    void merge(MergeStep step, MergeInputs inputs, float[] out);

    @Override
    void close();
}
