package dev.chorus.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A GGUF file that breaks the format, or whose values llama.cpp cannot load. A byte-level problem names the offset
 * where it was found; a semantic one ({@link GgufModelChecks}) names the file and the metadata key or tensor.
 */
public final class GgufFormatException extends IOException {
    private final long offset;
    private final String key;

    public GgufFormatException(String problem, long offset) {
        super(problem + " (at byte offset " + offset + ")");
        this.offset = offset;
        this.key = null;
    }

    /** A well-formed file whose value of {@code key} (a metadata key or a tensor name) llama.cpp would abort on. */
    public GgufFormatException(Path file, String key, String problem) {
        super(file + ": " + key + " " + problem);
        this.offset = -1;
        this.key = key;
    }

    /** Byte offset from the start of the file of the field that is wrong; -1 for a semantic problem. */
    public long offset() {
        return offset;
    }

    /** The metadata key or tensor name a semantic problem is about. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }
}
