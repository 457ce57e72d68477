package dev.chorus.natives;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A folder holding a llama.cpp build, and the two libraries Chorus opens in it: {@code libllama}
 * (the C API) and {@code libggml} (the backend registry). Backends and {@code libggml-base} sit beside
 * them and are found by the libraries themselves ({@code RUNPATH $ORIGIN}).
 *
 * @param kind where the build came from, for the log line that says which one Chorus loaded
 */
public record LlamaBuild(Path folder, Path llama, Path ggml, Kind kind) {

    /** Where a build came from. */
    public enum Kind {
        /** Named by {@code -Dchorus.llama.dir} or {@code CHORUS_LLAMA_DIR}. */
        CONFIGURED("the configured build"),
        /** Built from the bundled source for this CPU by {@code build-llama-native.sh} ({@code chorus build-native}). */
        NATIVE("the build for this CPU (GGML_NATIVE, with RPC)"),
        /** The npm prebuilt packed in the chorus-native jar (generic CPU variants, no RPC). */
        BUNDLED("the npm prebuilt (no RPC)");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    public LlamaBuild {
        if (folder == null || llama == null || ggml == null || kind == null) {
            throw new IllegalArgumentException("folder, llama, ggml and kind must be given");
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
        return in(folder, version, Kind.CONFIGURED);
    }

    /** As {@link #in(Path, String)}, for a build of the given kind. */
    public static LlamaBuild in(Path folder, String version, Kind kind) {
        Path absolute = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute)) {
            throw new NativeLibraryException("llama.cpp folder " + absolute + " does not exist or is not a folder");
        }
        return new LlamaBuild(absolute, library(absolute, "llama", version), library(absolute, "ggml", version), kind);
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
