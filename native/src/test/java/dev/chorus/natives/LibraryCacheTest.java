package dev.chorus.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibraryCacheTest {

    private static final Platform LINUX_X86_64 = new Platform("linux", "x86_64");

    @TempDir
    Path cacheRoot;

    @Test
    void extractsEveryListedLibraryIntoAVersionedFolder() throws Exception {
        Path folder = LlamaLibraries.extractBundled(LINUX_X86_64, cacheRoot);

        assertEquals(cacheRoot.resolve("llama-" + LlamaLibraries.VERSION).toAbsolutePath(), folder.getParent());
        assertTrue(folder.getFileName().toString().matches("linux-x86_64-[0-9a-f]{12}"), folder.toString());
        Set<String> listed = BundledLibraries.of(LINUX_X86_64).sha256ByName().keySet();
        assertTrue(listed.containsAll(Set.of("libllama.v0.5.0.so", "libggml.v0.5.0.so", "libggml-base.so")), listed.toString());
        assertEquals(listed, namesIn(folder));
        LlamaBuild build = LlamaBuild.in(folder, LlamaLibraries.VERSION);
        assertEquals(folder.resolve("libllama.v0.5.0.so"), build.llama());
        assertEquals(folder.resolve("libggml.v0.5.0.so"), build.ggml());
    }

    @Test
    void reusesACompleteFolderWithoutRewritingIt() throws Exception {
        Path first = LlamaLibraries.extractBundled(LINUX_X86_64, cacheRoot);
        Path library = first.resolve("libllama.v0.5.0.so");
        FileTime old = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(library, old);

        Path second = LlamaLibraries.extractBundled(LINUX_X86_64, cacheRoot);

        assertEquals(first, second);
        assertEquals(old, Files.getLastModifiedTime(library));
    }

    @Test
    void concurrentExtractionsAgreeOnOneCompleteFolder() throws Exception {
        int workers = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Path>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
            Callable<Path> extract = () -> {
                start.await();
                return LlamaLibraries.extractBundled(LINUX_X86_64, cacheRoot);
            };
            for (int i = 0; i < workers; i++) {
                results.add(pool.submit(extract));
            }
            start.countDown();
            Path first = results.getFirst().get();
            for (Future<Path> result : results) {
                assertEquals(first, result.get());
            }
            assertTrue(LibraryCache.isComplete(first, BundledLibraries.of(LINUX_X86_64)));
            // Losers delete their staged copies: only the one folder is left.
            assertEquals(Set.of(first.getFileName().toString()), namesIn(first.getParent()));
        }
    }

    @Test
    void jvmsExtractingAtOnceAgreeOnOneCompleteFolder() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            processes.add(new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    ExtractMain.class.getName(), cacheRoot.toString()).redirectErrorStream(true).start());
        }
        Set<String> printed = new HashSet<>();
        for (Process process : processes) {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, process.waitFor(), output);
            printed.add(output);
        }

        assertEquals(1, printed.size(), printed.toString());
        Path folder = Path.of(printed.iterator().next());
        assertTrue(LibraryCache.isComplete(folder, BundledLibraries.of(LINUX_X86_64)));
        assertEquals(Set.of(folder.getFileName().toString()), namesIn(folder.getParent()));
    }

    /** A JVM of {@link #jvmsExtractingAtOnceAgreeOnOneCompleteFolder()}: extracts and prints the folder. */
    static final class ExtractMain {
        public static void main(String[] args) {
            System.out.println(LlamaLibraries.extractBundled(LINUX_X86_64, Path.of(args[0])));
        }
    }

    @Test
    void refusesAFolderAlteredByHand() throws Exception {
        Path folder = LlamaLibraries.extractBundled(LINUX_X86_64, cacheRoot);
        Files.delete(folder.resolve("libggml-base.so"));

        var error = assertThrows(NativeLibraryException.class, () -> LlamaLibraries.extractBundled(LINUX_X86_64, cacheRoot));

        assertTrue(error.getMessage().contains(folder.toString()) && error.getMessage().contains("delete it"),
                error.getMessage());
    }

    @Test
    void namesTheUnsupportedPlatform() {
        var error = assertThrows(NativeLibraryException.class,
                () -> LlamaLibraries.extractBundled(new Platform("windows", "aarch64"), cacheRoot));

        assertTrue(error.getMessage().contains("windows-aarch64") && error.getMessage().contains(LlamaLibraries.DIR_PROPERTY),
                error.getMessage());
    }

    private static Set<String> namesIn(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals(LibraryCache.COMPLETE_MARKER))
                    .collect(Collectors.toSet());
        }
    }
}
