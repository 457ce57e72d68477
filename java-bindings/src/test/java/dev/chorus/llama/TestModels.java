package dev.chorus.llama;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared real models ({@code chorus.shared.dir}/models); tests using them skip when absent. */
final class TestModels {

    static final int VOCAB_SIZE = 32000;
    /** CPU settings that keep the suite fast on two cores. */
    static final int THREADS = 2;

    private TestModels() {}

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
