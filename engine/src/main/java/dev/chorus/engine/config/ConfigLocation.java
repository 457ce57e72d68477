package dev.chorus.engine.config;

import java.nio.file.Path;
import java.util.Objects;

/** Where an entry sits in a config file: 1-based line and column, printed as {@code file:line:column}. */
public record ConfigLocation(Path file, int line, int column) {
    public ConfigLocation {
        Objects.requireNonNull(file, "file");
        if (line < 1 || column < 1) {
            throw new IllegalArgumentException("line and column are 1-based, got " + line + ":" + column);
        }
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
