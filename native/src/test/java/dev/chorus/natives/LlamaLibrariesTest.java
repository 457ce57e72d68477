package dev.chorus.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LlamaLibraries#resolve()} as configured by system properties (restored after each test). */
class LlamaLibrariesTest {

    @TempDir
    Path folder;

    private Properties saved;

    @BeforeEach
    void saveProperties() {
        saved = (Properties) System.getProperties().clone();
    }

    @AfterEach
    void restoreProperties() {
        System.setProperties(saved);
    }

    @Test
    void theVersionComesFromTheBuild() {
        assertEquals("0.5.0", LlamaLibraries.VERSION);
    }

    @Test
    void aConfiguredFolderWins() throws Exception {
        Files.writeString(folder.resolve("libllama.so.0"), "");
        Files.writeString(folder.resolve("libggml.so.0"), "");
        System.setProperty(LlamaLibraries.DIR_PROPERTY, folder.toString());

        assertEquals(folder.toAbsolutePath(), LlamaLibraries.resolve());
    }

    @Test
    void aConfiguredFolderWithoutLibrariesIsNamedInTheError() {
        System.setProperty(LlamaLibraries.DIR_PROPERTY, folder.toString());

        var error = assertThrows(NativeLibraryException.class, LlamaLibraries::resolve);

        assertTrue(error.getMessage().startsWith("no libllama in " + folder.toAbsolutePath()), error.getMessage());
    }

    @Test
    void otherwiseTheBundledBuildIsExtractedUnderTheCacheRoot() {
        System.clearProperty(LlamaLibraries.DIR_PROPERTY);
        System.setProperty(LlamaLibraries.CACHE_PROPERTY, folder.toString());
        // The environment may name a build folder for the whole run (GPU checks); then it wins, as documented.
        String environment = System.getenv(LlamaLibraries.DIR_ENV);

        Path resolved = LlamaLibraries.resolve();

        if (environment == null || environment.isBlank()) {
            assertEquals(folder.toAbsolutePath().resolve("llama-0.5.0"), resolved.getParent());
            assertTrue(Files.isRegularFile(resolved.resolve("libllama.v0.5.0.so")));
        } else {
            assertEquals(Path.of(environment).toAbsolutePath().normalize(), resolved);
        }
    }
}
