package dev.chorus.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** One temporary folder per JVM for the extracted vocabulary and cached fixtures, deleted at exit. */
final class FixtureCache {
    private static final Path FOLDER = createFolder();

    private FixtureCache() {
    }

    static Path folder() {
        return FOLDER;
    }

    /**
     * Copies a resource of another jar ({@code /dev/chorus/natives/llama-vocab/…}) into the folder once and returns
     * its path. Looked up through the class loader, which searches every module and the class path alike for a
     * resource outside any package; {@code Class.getResourceAsStream} would search only this module.
     */
    static synchronized Path resource(String resource) throws IOException {
        Path file = FOLDER.resolve(resource.substring(resource.lastIndexOf('/') + 1));
        if (!Files.exists(file)) {
            try (InputStream in = FixtureCache.class.getClassLoader().getResourceAsStream(resource.substring(1))) {
                if (in == null) {
                    throw new IOException("classpath resource " + resource + " is missing (is chorus-native on the classpath?)");
                }
                Path partial = Files.createTempFile(FOLDER, "resource", ".part");
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return file;
    }

    private static Path createFolder() {
        try {
            Path folder = Files.createTempDirectory("chorus-testkit-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(folder), "chorus-testkit-cleanup"));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the fixture cache folder", e);
        }
    }

    private static void deleteTree(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // best effort at JVM exit: the folder lives under java.io.tmpdir
        }
    }
}
