package dev.chorus.gguf;

import java.io.IOException;

/** A GGUF file that breaks the format; the message names the problem and the byte offset where it was found. */
public final class GgufFormatException extends IOException {
    private final long offset;

    public GgufFormatException(String problem, long offset) {
        super(problem + " (at byte offset " + offset + ")");
        this.offset = offset;
    }

    /** Byte offset from the start of the file of the field that is wrong. */
    public long offset() {
        return offset;
    }
}
