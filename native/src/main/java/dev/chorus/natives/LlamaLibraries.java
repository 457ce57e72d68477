package dev.chorus.natives;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * Finds the llama.cpp build Chorus loads. In order:
 * <ol>
 *   <li>the folder named by {@code -Dchorus.llama.dir} or the environment variable
 *       {@code CHORUS_LLAMA_DIR}: any llama.cpp v0.5.0 build (a CMake build's
 *       library folder, a CUDA build such as {@code /opt/llama-v0.5.0-cuda-sm90});</li>
 *   <li>otherwise the build for this CPU made from the bundled source ({@link NativeBuilds}, with
 *       the RPC backend), when one is in the cache and {@code -Dchorus.llama.native} is not {@code off};</li>
 *   <li>otherwise the CPU libraries bundled in this jar, extracted once (as JCuda and JOCL ship their
 *       natives) into {@code ~/.cache/chorus/llama-0.5.0/linux-x86_64-<hash>/}; the root
 *       {@code ~/.cache/chorus} can be moved with {@code -Dchorus.cache.dir} or the environment
 *       variable {@code CHORUS_CACHE} (which {@code fetch-llama.sh} also uses).</li>
 * </ol>
 */
public final class LlamaLibraries {

    public static final String DIR_PROPERTY = "chorus.llama.dir";
    public static final String DIR_ENV = "CHORUS_LLAMA_DIR";
    public static final String CACHE_PROPERTY = "chorus.cache.dir";
    public static final String CACHE_ENV = "CHORUS_CACHE";
    /** The llama.cpp release every Chorus build binds, from the Maven property {@code llama.version}. */
    public static final String VERSION = property("version");
    /** The node-llama-cpp release that ships it (its npm package holds the source bundle). */
    public static final String NODE_LLAMA_CPP_VERSION = property("node-llama-cpp.version");

    private LlamaLibraries() {}

    /**
     * The folder of a loadable llama.cpp build, extracting the bundled one if needed.
     *
     * @throws NativeLibraryException for an unsupported platform, a folder without the libraries,
     *     or an extraction that fails
     */
    public static Path resolve() {
        return locate().folder();
    }

    /** As {@link #resolve()}, with the two library files Chorus opens in that folder. */
    public static LlamaBuild locate() {
        String configured = System.getProperty(DIR_PROPERTY, System.getenv(DIR_ENV));
        if (configured != null && !configured.isBlank()) {
            return LlamaBuild.in(Path.of(configured.strip()), VERSION, LlamaBuild.Kind.CONFIGURED);
        }
        Optional<NativeBuilds.NativeBuild> forThisCpu = NativeBuilds.forThisMachine();
        if (forThisCpu.isPresent()) {
            return LlamaBuild.in(forThisCpu.get().lib(), VERSION, LlamaBuild.Kind.NATIVE);
        }
        return LlamaBuild.in(extractBundled(Platform.current(), cacheRoot()), VERSION, LlamaBuild.Kind.BUNDLED);
    }

    /** Extracts this jar's libraries for {@code platform} under {@code cacheRoot}, or reuses them. */
    public static Path extractBundled(Platform platform, Path cacheRoot) {
        return LibraryCache.extract(BundledLibraries.of(platform), cacheRoot);
    }

    /** This version's folder in the cache: {@code ~/.cache/chorus/llama-0.5.0}. */
    public static Path cacheFolder() {
        return versionFolder(cacheRoot());
    }

    /** Where this version's libraries live under a cache root. */
    static Path versionFolder(Path cacheRoot) {
        return cacheRoot.resolve("llama-" + VERSION);
    }

    static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY, System.getenv(CACHE_ENV));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.strip());
        }
        return Path.of(System.getProperty("user.home"), ".cache", "chorus");
    }

    private static String property(String name) {
        try (InputStream in = LlamaLibraries.class.getResourceAsStream("llama.properties")) {
            if (in == null) {
                throw new IllegalStateException("dev/chorus/natives/llama.properties is missing from chorus-native");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
