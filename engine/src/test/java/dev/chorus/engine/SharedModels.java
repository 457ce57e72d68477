package dev.chorus.engine;

import dev.chorus.testkit.RealModels;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;

/**
 * The three real 12.7M-parameter models for engine tests: the shared F16 files, or the repository's Q8_0 copies
 * when {@code ../shared} is absent ({@link RealModels}); tests skip, naming both folders, only without either.
 */
public final class SharedModels {
    public static final String BASE = RealModels.BASE;
    public static final String KJV = RealModels.KJV;
    public static final String PYDOCS = RealModels.PYDOCS;

    private SharedModels() {
    }

    /** The models a test runs on, or a skip. */
    public static RealModels located() {
        var located = RealModels.locate();
        Assumptions.assumeTrue(located.isPresent(), RealModels.searched());
        return located.orElseThrow();
    }

    /** The file of model {@code name} ({@link #BASE}, {@link #KJV} or {@link #PYDOCS}). */
    public static Path path(String name) {
        return located().path(name);
    }

    /** The repository's Q8_0 copies, which every clone carries (their absence is a failure, not a skip). */
    public static RealModels quantised() {
        return RealModels.repository().orElseThrow(() -> new IllegalStateException(
                "the repository's Q8_0 models are missing: " + RealModels.searched()));
    }

    /** The shared F16 models (with the held-out token files in their folder), or a skip. */
    public static RealModels f16() {
        var shared = RealModels.shared();
        Assumptions.assumeTrue(shared.isPresent(), "the shared F16 models are not in ${chorus.shared.dir}/models");
        return shared.orElseThrow();
    }
}
