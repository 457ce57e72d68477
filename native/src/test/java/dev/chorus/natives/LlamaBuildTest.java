package dev.chorus.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaBuildTest {

    @TempDir
    Path folder;

    @Test
    void findsTheInstalledNamesOfACudaBuild() throws Exception {
        for (String name : new String[] {"libllama.so.0", "libggml.so.0", "libggml-base.so.0", "libggml-cuda.so.0"}) {
            Files.writeString(folder.resolve(name), "");
        }

        LlamaBuild build = LlamaBuild.in(folder, "0.5.0");

        assertEquals(folder.resolve("libllama.so.0"), build.llama());
        assertEquals(folder.resolve("libggml.so.0"), build.ggml());
    }

    @Test
    void prefersTheVersionedNpmName() throws Exception {
        Files.writeString(folder.resolve("libllama.v0.5.0.so"), "");
        Files.writeString(folder.resolve("libllama.so"), "");
        Files.writeString(folder.resolve("libggml.so"), "");

        assertEquals(folder.resolve("libllama.v0.5.0.so"), LlamaBuild.in(folder, "0.5.0").llama());
    }

    @Test
    void namesTheMissingLibraryAndTheFolder() throws Exception {
        Files.writeString(folder.resolve("libllama.so"), "");

        var error = assertThrows(NativeLibraryException.class, () -> LlamaBuild.in(folder, "0.5.0"));

        assertTrue(error.getMessage().contains("no libggml in " + folder.toAbsolutePath()), error.getMessage());
    }

    @Test
    void rejectsAMissingFolder() {
        Path missing = folder.resolve("nowhere");

        var error = assertThrows(NativeLibraryException.class, () -> LlamaBuild.in(missing, "0.5.0"));

        assertTrue(error.getMessage().contains(missing + " does not exist"), error.getMessage());
    }
}
