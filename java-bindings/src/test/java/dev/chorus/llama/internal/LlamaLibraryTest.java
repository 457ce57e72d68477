package dev.chorus.llama.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chorus.llama.Llama;
import dev.chorus.llama.LlamaException;
import dev.chorus.natives.LlamaBuild;
import dev.chorus.natives.LlamaLibraries;
import dev.chorus.natives.Platform;
import dev.chorus.natives.ChildJvm;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaLibraryTest {

    @TempDir
    Path folder;

    @Test
    void loadsThePinnedVersion() {
        Llama llama = Llama.init();

        assertTrue(LlamaLibrary.isSupported(llama.version()), llama.version());
        assertTrue(llama.version().startsWith("0.5.0"), llama.version());
        assertTrue(llama.systemInfo().contains("CPU"), llama.systemInfo());
        assertTrue(Files.isDirectory(llama.libraryFolder()));
    }

    @Test
    void initialisesOnceAcrossThreads() throws Exception {
        List<Future<Llama>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            Callable<Llama> init = Llama::init;
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(init));
            }
            for (Future<Llama> result : results) {
                assertSame(Llama.init(), result.get());
            }
        }
    }

    @Test
    void structsPassedByValueCarryLlamaCppsDefaults() {
        Llama.init();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment model = LlamaModels.llama_model_default_params(arena);
            assertEquals(80, model.byteSize());
            assertEquals(-1, LlamaModelParams.n_gpu_layers(model), "all layers");
            assertEquals(-1, LlamaModelParams.load_mode(model), "LLAMA_LOAD_MODE_AUTO");
            assertFalse(LlamaModelParams.vocab_only(model));

            MemorySegment context = LlamaContexts.llama_context_default_params(arena);
            assertEquals(160, context.byteSize());
            assertEquals(512, LlamaContextParams.n_ctx(context));
            assertEquals(2048, LlamaContextParams.n_batch(context));
            assertEquals(512, LlamaContextParams.n_ubatch(context));
            assertEquals(1, LlamaContextParams.n_seq_max(context));
            assertFalse(LlamaContextParams.embeddings(context));
        }
    }

    @Test
    void refusesAnotherVersionBeforeAnyOtherCall() throws Exception {
        Path fake = compileFakeBuild("const char * llama_version(void) { return \"0.4.9\"; }");

        try (Arena arena = Arena.ofShared()) {
            var error = assertThrows(LlamaException.class,
                    () -> LlamaLibrary.open(LlamaBuild.in(fake, LlamaLibraries.VERSION), arena));

            assertEquals("the llama.cpp in " + fake.toAbsolutePath() + " is version 0.4.9, Chorus needs v0.5.0; point -D"
                    + LlamaLibraries.DIR_PROPERTY + " at a v0.5.0 build", error.getMessage());
        }
    }

    @Test
    void refusesALibraryWithoutLlamaVersion() throws Exception {
        Path fake = compileFakeBuild("int llama_something_else(void) { return 0; }");

        try (Arena arena = Arena.ofShared()) {
            var error = assertThrows(LlamaException.class,
                    () -> LlamaLibrary.open(LlamaBuild.in(fake, LlamaLibraries.VERSION), arena));

            assertTrue(error.getMessage().contains(fake.resolve("libllama.so").toAbsolutePath() + " has no llama_version symbol"),
                    error.getMessage());
        }
    }

    @Test
    void refusesAFileThatIsNoLibrary() throws Exception {
        Files.writeString(folder.resolve("libllama.so"), "not an ELF file");
        Files.writeString(folder.resolve("libggml.so"), "not an ELF file");

        try (Arena arena = Arena.ofShared()) {
            var error = assertThrows(LlamaException.class,
                    () -> LlamaLibrary.open(LlamaBuild.in(folder, LlamaLibraries.VERSION), arena));

            assertTrue(error.getMessage().startsWith("cannot load libllama.so from " + folder.toAbsolutePath()), error.getMessage());
        }
    }

    /** The whole path a user takes: -Dchorus.llama.dir names a folder with a v0.4.9 library. */
    @Test
    void aJvmPointedAtAnotherVersionFailsClearly() throws Exception {
        Path fake = compileFakeBuild("const char * llama_version(void) { return \"0.4.9\"; }");

        ChildRun run = initInChildJvm(fake);

        assertEquals(3, run.exitCode(), run.output());
        assertTrue(run.output().contains("LlamaException: the llama.cpp in " + fake + " is version 0.4.9, Chorus needs v0.5.0"),
                run.output());
    }

    @Test
    void aJvmPointedAtAnotherV050FolderUsesIt() throws Exception {
        Path extracted = LlamaLibraries.extractBundled(Platform.current(), folder.resolve("cache"));

        ChildRun run = initInChildJvm(extracted);

        assertEquals(0, run.exitCode(), run.output());
        // The npm build reports 0.5.0-dev; the output also holds the log line naming the build loaded.
        assertTrue(Pattern.compile("(?m)^llama\\.cpp 0\\.5\\.0(-dev)? from " + Pattern.quote(extracted.toString()) + "$")
                .matcher(run.output()).find(), run.output());
        assertTrue(run.output().contains("the configured build in " + extracted), run.output());
    }

    private record ChildRun(int exitCode, String output) {}

    private static ChildRun initInChildJvm(Path llamaDir) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(ChildJvm.java().toString(), "--enable-native-access=ALL-UNNAMED",
                "-D" + LlamaLibraries.DIR_PROPERTY + "=" + llamaDir, "-cp", ChildJvm.classPath(InitMain.class),
                InitMain.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        return new ChildRun(process.exitValue(), output);
    }

    /** The child JVM: initialises llama.cpp from -Dchorus.llama.dir and reports. */
    static final class InitMain {
        public static void main(String[] args) {
            try {
                Llama llama = Llama.init();
                System.out.println("llama.cpp " + llama.version() + " from " + llama.libraryFolder());
            } catch (LlamaException e) {
                System.out.println(e);
                System.exit(3);
            }
        }
    }

    /** Compiles {@code source} into libllama.so, with an empty libggml.so beside it; skips without gcc. */
    private Path compileFakeBuild(String source) throws IOException, InterruptedException {
        Files.writeString(folder.resolve("fake.c"), source);
        Files.writeString(folder.resolve("empty.c"), "int ggml_placeholder(void) { return 0; }");
        compile("fake.c", "libllama.so");
        compile("empty.c", "libggml.so");
        return folder;
    }

    private void compile(String source, String library) throws IOException, InterruptedException {
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", library, source)
                    .directory(folder.toFile()).redirectErrorStream(true).start();
        } catch (IOException noGcc) {
            assumeTrue(false, "gcc is not installed: " + noGcc.getMessage());
            return;
        }
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc failed: " + output);
    }
}
