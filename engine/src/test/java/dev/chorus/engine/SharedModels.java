package dev.chorus.engine;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** The three real 12.7M-parameter models in {@code ${chorus.shared.dir}/models}; tests skip, naming the folder, without them. */
public final class SharedModels {
    public static final String BASE = "chorus-base-13m-f16.gguf";
    public static final String KJV = "chorus-kjv-13m-f16.gguf";
    public static final String PYDOCS = "chorus-pydocs-13m-f16.gguf";

    private SharedModels() {
    }

    public static Path folder() {
        Path folder = Path.of(System.getProperty("chorus.shared.dir", "../shared")).resolve("models").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(folder.resolve(BASE)) && Files.isRegularFile(folder.resolve(KJV))
                        && Files.isRegularFile(folder.resolve(PYDOCS)),
                "the shared models are not in " + folder + " (set -Dchorus.shared.dir)");
        return folder;
    }

    public static Path path(String file) {
        return folder().resolve(file);
    }
}
