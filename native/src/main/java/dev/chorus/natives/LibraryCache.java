package dev.chorus.natives;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Extracts bundled libraries into {@code <root>/llama-<version>/<platform>-<hash>/}, once per
 * library set. Files are written into a private temporary folder, checked against their SHA-256,
 * marked complete, and the folder is renamed into place in one step, so a reader sees either no
 * folder or a complete one, and JVMs extracting at the same time cannot corrupt each other.
 */
final class LibraryCache {

    /** Written last; a folder without it was never completed and is not used. */
    static final String COMPLETE_MARKER = ".complete";

    private LibraryCache() {}

    static Path extract(BundledLibraries libraries, Path root) {
        Path target = LlamaLibraries.versionFolder(root)
                .resolve(libraries.platform() + "-" + libraries.cacheKey())
                .toAbsolutePath();
        if (isComplete(target, libraries)) {
            return target;
        }
        try {
            if (!Files.exists(target)) {
                Path staged = stage(libraries, target.getParent());
                try {
                    Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException lostRace) {
                    // Another process renamed its complete copy into place first: use that one.
                } finally {
                    deleteTree(staged);
                }
            }
        } catch (IOException e) {
            throw new NativeLibraryException("cannot extract the llama.cpp libraries into " + target + ": " + e, e);
        }
        if (!isComplete(target, libraries)) {
            // Only complete folders are ever renamed into place, so this one was altered by hand.
            throw new NativeLibraryException("the llama.cpp cache folder " + target
                    + " lacks files or its " + COMPLETE_MARKER + " marker; delete it and retry");
        }
        return target;
    }

    static boolean isComplete(Path folder, BundledLibraries libraries) {
        return Files.isRegularFile(folder.resolve(COMPLETE_MARKER))
                && libraries.sha256ByName().keySet().stream().allMatch(name -> Files.isRegularFile(folder.resolve(name)));
    }

    private static Path stage(BundledLibraries libraries, Path parent) throws IOException {
        Files.createDirectories(parent);
        Path staged = Files.createTempDirectory(parent, ".extract-");
        try {
            for (var entry : libraries.sha256ByName().entrySet()) {
                copyVerified(libraries, entry.getKey(), entry.getValue(), staged.resolve(entry.getKey()));
            }
            Files.writeString(staged.resolve(COMPLETE_MARKER), libraries.cacheKey() + "\n", StandardCharsets.UTF_8);
            return staged;
        } catch (IOException | RuntimeException e) {
            deleteTree(staged);
            throw e;
        }
    }

    private static void copyVerified(BundledLibraries libraries, String name, String sha256, Path file) throws IOException {
        MessageDigest digest = BundledLibraries.sha256();
        try (InputStream in = libraries.open(name);
                OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest)) {
            in.transferTo(out);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(sha256)) {
            throw new NativeLibraryException("the chorus-native jar's " + name + " has SHA-256 " + actual
                    + ", its sha256sums.txt says " + sha256 + "; the jar is damaged");
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
