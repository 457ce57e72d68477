package dev.chorus.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Fixture models kept on disk across runs, for benchmarks whose models take seconds to minutes to write:
 * {@code ${chorus.cache.dir:-~/.cache/chorus}/bench-models/<name>-<seed>-<fingerprint>.gguf}. The fingerprint hashes
 * the whole spec, so a changed spec never reuses a stale file.
 */
public final class StoredFixtures {
    /** System property naming the cache root, as everywhere in Chorus. */
    public static final String CACHE_DIR_PROPERTY = "chorus.cache.dir";
    /** Seeds of the two members of a benchmark pair. */
    private static final List<Long> PAIR_SEEDS = List.of(1L, 2L);

    private StoredFixtures() {
    }

    /** {@code ${chorus.cache.dir}/bench-models}, by default {@code ~/.cache/chorus/bench-models}. */
    public static Path folder() {
        String root = System.getProperty(CACHE_DIR_PROPERTY);
        Path cacheRoot = root != null && !root.isBlank() ? Path.of(root)
                : Path.of(System.getProperty("user.home"), ".cache", "chorus");
        return cacheRoot.resolve("bench-models");
    }

    /** Two models of {@code shape} with seeds 1 and 2, written into {@link #folder()} unless already there. */
    public static List<Path> pair(FixtureModel shape) throws IOException {
        Path folder = Files.createDirectories(folder());
        List<Path> files = new ArrayList<>();
        for (long seed : PAIR_SEEDS) {
            files.add(stored(folder, shape.withSeed(seed)));
        }
        return List.copyOf(files);
    }

    /** {@code spec}'s file in {@code folder}, written (atomically) only when it is not there yet. */
    public static Path stored(Path folder, FixtureModel spec) throws IOException {
        Path file = folder.resolve(spec.name() + "-" + spec.seed() + "-" + fingerprint(spec) + ".gguf");
        if (!Files.isRegularFile(file)) {
            System.err.printf("writing %s (%,d parameters)%n", file, spec.parameterCount());
            FixtureModels.write(file, spec);
        }
        return file;
    }

    /** The record's text names every component (enum constants by name), so it is stable across JVMs. */
    private static String fingerprint(FixtureModel spec) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(spec.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
