package dev.chorus.gguf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The temporary {@code .NAME.RANDOM.part} files {@link GgufWriter} writes beside its target. Each is locked
 * ({@link FileChannel#tryLock}) while its writer lives, and deleted by a shutdown hook if the JVM ends first
 * (Ctrl-C, SIGTERM); one whose process was killed outright is unlocked, so the next writer of the same target
 * deletes it.
 */
final class PartFiles {
    private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    static {
        Runtime.getRuntime().addShutdownHook(new Thread(PartFiles::deleteInFlight, "chorus-gguf-part-cleanup"));
    }

    private PartFiles() {
    }

    /** A regular file or a new path in an existing folder. */
    static void requireWritableTarget(Path target) throws IOException {
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            throw new IOException(target + " is not a regular file (a device, FIFO or folder): refusing to replace it;"
                    + " write to a regular file or a new path");
        }
        Path folder = target.getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            throw new NoSuchFileException(folder.toString(), null, "the folder of " + target.getFileName()
                    + " does not exist");
        }
    }

    static Path newPart(Path target) {
        // Not Files.createTempFile: its owner-only permissions would carry over to the published file.
        return target.resolveSibling(prefix(target) + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                + ".part");
    }

    /** Holds {@code part}'s lock for as long as {@code channel} is open, and has the shutdown hook delete it. */
    static void claim(Path part, FileChannel channel) throws IOException {
        IN_FLIGHT.add(part);
        if (channel.tryLock() == null) {
            throw new IOException("cannot lock " + part);
        }
    }

    /** Deletes {@code part}: its writer failed or gave up. */
    static void release(Path part) throws IOException {
        try {
            Files.deleteIfExists(part);
        } finally {
            IN_FLIGHT.remove(part);
        }
    }

    /** {@code part} became the target: nothing to delete any more. */
    static void forget(Path part) {
        IN_FLIGHT.remove(part);
    }

    /** Deletes the part files of {@code target} that no live writer holds (their lock is free). */
    static void deleteStale(Path target) throws IOException {
        Path folder = target.getParent();
        if (folder == null) {
            return;
        }
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(folder, glob(prefix(target)) + "*.part")) {
            for (Path part : parts) {
                if (!IN_FLIGHT.contains(part) && Files.isRegularFile(part) && unlocked(part)) {
                    Files.deleteIfExists(part);
                }
            }
        }
    }

    private static boolean unlocked(Path part) {
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE);
             FileLock lock = channel.tryLock()) {
            return lock != null;
        } catch (OverlappingFileLockException | IOException held) {
            return false;
        }
    }

    private static void deleteInFlight() {
        for (Path part : IN_FLIGHT) {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // the JVM is ending; the next writer of the same target sweeps what is left
            }
        }
    }

    private static String prefix(Path target) {
        return "." + target.getFileName() + ".";
    }

    /** {@code text} with the glob's special characters escaped. */
    private static String glob(String text) {
        return text.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
    }
}
