package dev.chorus.engine.config;

import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * Limits for the YAML Chorus reads (configs and merge recipes), so a hostile file is refused at once: its size is
 * checked before a byte is parsed, aliases are few (a chain of them is a "billion laughs" bomb), and an error
 * message describes a value without printing it whole (printing a structure expands every alias in it).
 */
public final class YamlLimits {
    /** Larger files are refused before parsing; real configs and recipes are a few kilobytes. */
    public static final long MAX_BYTES = 1 << 20;
    /** Aliases a document may use: enough for shared settings, too few for an exponential expansion. */
    public static final int MAX_ALIASES = 16;
    private static final int MAX_QUOTED_CHARS = 64;

    private YamlLimits() {
    }

    /**
     * The text of {@code file}, refused when over {@link #MAX_BYTES}.
     *
     * @throws IllegalArgumentException naming the file and its size when it is too large
     */
    public static String read(Path file, String what) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IllegalArgumentException(file + ": the " + what + " is " + size + " bytes, more than the "
                    + MAX_BYTES + " a " + what + " may have");
        }
        return Files.readString(file);
    }

    /** SnakeYAML options with these limits. */
    public static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setCodePointLimit((int) MAX_BYTES);
        return options;
    }

    /** A parsed YAML value for an error message: a short scalar as it is, anything else by its shape. */
    public static String describe(Object value) {
        return switch (value) {
            case null -> "nothing";
            case Map<?, ?> map -> "a mapping of " + map.size() + " entries";
            case Collection<?> list -> "a list of " + list.size() + " items";
            default -> {
                String text = value.toString();
                yield text.length() <= MAX_QUOTED_CHARS ? "'" + text + "'"
                        : "'" + text.substring(0, MAX_QUOTED_CHARS) + "...' (" + text.length() + " characters)";
            }
        };
    }
}
