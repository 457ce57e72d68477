package dev.chorus.natives;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A folder holding a llama.cpp build, and the two libraries Chorus opens in it: {@code libllama}
 * (the C API) and {@code libggml} (the backend registry). Backends and {@code libggml-base} sit beside
 * them and are found by the libraries themselves ({@code RUNPATH $ORIGIN}).
 */
public record LlamaBuild(Path folder, Path llama, Path ggml) {

    public LlamaBuild {
        if (folder == null || llama == null || ggml == null) {
            throw new IllegalArgumentException("folder, llama and ggml must be given");
        }
    }

    /**
     * Finds the libraries in {@code folder}, accepting the names of the npm prebuilt
     * ({@code libllama.v0.5.0.so}), of a CMake build ({@code libllama.so}) and of an installed
     * build ({@code libllama.so.0}).
     *
     * @throws NativeLibraryException when the folder or one of the libraries is missing
     */
    public static LlamaBuild in(Path folder, String version) {
        Path absolute = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute)) {
            throw new NativeLibraryException("llama.cpp folder " + absolute + " does not exist or is not a folder");
        }
        return new LlamaBuild(absolute, library(absolute, "llama", version), library(absolute, "ggml", version));
    }

    private static Path library(Path folder, String name, String version) {
        List<String> candidates = List.of(
                "lib" + name + ".v" + version + ".so", "lib" + name + ".so", "lib" + name + ".so.0");
        return candidates.stream()
                .map(folder::resolve)
                .filter(Files::isRegularFile)
                .findFirst()
                .orElseThrow(() -> new NativeLibraryException(
                        "no lib" + name + " in " + folder + " (looked for " + String.join(", ", candidates)
                                + "); point -D" + LlamaLibraries.DIR_PROPERTY + " or " + LlamaLibraries.DIR_ENV
                                + " at a llama.cpp v" + version + " build folder"));
    }
}
