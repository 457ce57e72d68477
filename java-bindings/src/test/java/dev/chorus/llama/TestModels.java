package dev.chorus.llama;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Models for tests: a random-weight fixture written by the testkit (always there), and the shared
 * trained models ({@code chorus.shared.dir}/models), whose tests skip when they are absent.
 */
final class TestModels {

    static final int VOCAB_SIZE = 32000;
    /** CPU settings that keep the suite fast on two cores. */
    static final int THREADS = 2;

    private TestModels() {}

    /** The fixture's training context; contexts in tests stay within it. */
    static final int CONTEXT = FixtureModel.DEFAULT.contextLength();

    /** A small random-weight llama (n_embd 64, 2 layers) with the real 32000-token vocabulary. */
    static Path fixture() {
        return FixtureModels.cached(FixtureModel.DEFAULT);
    }

    static Path sharedModel(String fileName) {
        Path folder = Path.of(System.getProperty("chorus.shared.dir", "../shared")).resolve("models").toAbsolutePath();
        Path file = folder.resolve(fileName);
        assumeTrue(Files.isRegularFile(file), "no " + fileName + " in " + folder + " (set -Dchorus.shared.dir)");
        return file;
    }

    static Path base() {
        return sharedModel("chorus-base-13m-f16.gguf");
    }
}
