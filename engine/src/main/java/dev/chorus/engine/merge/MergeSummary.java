package dev.chorus.engine.merge;

import java.nio.file.Path;

/** What a finished merge wrote: the file, its tensor count, the input bytes merged, the backend and the time. */
public record MergeSummary(Path output, int tensors, long inputBytes, String backend, double seconds) {

    public double gigabytesPerSecond() {
        return inputBytes / 1e9 / Math.max(seconds, 1e-9);
    }
}
