package dev.chorus.engine.merge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The folder of merged models served from recipes, one {@code <key>.gguf} per recipe and inputs. The key is the
 * SHA-256 of the recipe file's bytes followed, for each input model (base first, as {@link MergeRecipe#files()}),
 * by the line {@code <absolute path>\n<size in bytes>\n<last-modified epoch ms>\n} in UTF-8: editing the recipe or
 * replacing an input makes a new file, and an unchanged recipe over unchanged inputs finds the old one.
 */
public record MergeCache(Path folder) {
    /** System property naming the cache root; merged models go to its {@code merged} folder. */
    public static final String CACHE_DIR_PROPERTY = "chorus.cache.dir";

    public MergeCache {
        Objects.requireNonNull(folder, "folder");
    }

    /** {@code ${chorus.cache.dir}/merged}, by default {@code ~/.cache/chorus/merged}. */
    public static MergeCache fromSystemProperties() {
        String root = System.getProperty(CACHE_DIR_PROPERTY);
        Path cacheRoot = root != null && !root.isBlank() ? Path.of(root)
                : Path.of(System.getProperty("user.home"), ".cache", "chorus");
        return new MergeCache(cacheRoot.resolve("merged"));
    }

    /**
     * The file the merge of {@code recipeFile} (parsed as {@code recipe}) lives in, made or not.
     *
     * @throws java.nio.file.NoSuchFileException an input model that does not exist
     */
    public Path fileFor(Path recipeFile, MergeRecipe recipe) throws IOException {
        MessageDigest digest = sha256();
        digest.update(Files.readAllBytes(recipeFile));
        for (Path input : recipe.files()) {
            Path absolute = input.toAbsolutePath();
            String line = absolute + "\n" + Files.size(absolute) + "\n"
                    + Files.getLastModifiedTime(absolute).toMillis() + "\n";
            digest.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return folder.resolve(HexFormat.of().formatHex(digest.digest()) + ".gguf");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
