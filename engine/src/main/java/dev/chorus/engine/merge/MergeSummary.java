package dev.chorus.engine.merge;

import java.nio.file.Path;

/**
 * What a finished merge wrote: the file, its tensor count, the input bytes merged, the backend, the time and the
 * elements per chunk it streamed.
 */
public record MergeSummary(Path output, int tensors, long inputBytes, String backend, double seconds, int chunkLength) {

    public double gigabytesPerSecond() {
        return inputBytes / 1e9 / Math.max(seconds, 1e-9);
    }
}
