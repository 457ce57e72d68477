package dev.chorus.engine.merge;

/** Told after each output tensor is written; may throw to abandon the merge (no output file then appears). */
@FunctionalInterface
public interface MergeProgress {

    /**
     * @param tensorsDone  output tensors written so far
     * @param tensors      output tensors in all
     * @param bytesRead    input bytes merged so far
     * @param bytesToRead  input bytes in all
     */
    void update(int tensorsDone, int tensors, long bytesRead, long bytesToRead);

    MergeProgress NONE = (tensorsDone, tensors, bytesRead, bytesToRead) -> { };
}
