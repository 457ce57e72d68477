package dev.chorus.server.cli;

import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import dev.chorus.testkit.MutatedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code chorus models A B C}: each file's own verdict, in order, whatever the others are. */
class ModelsCommandTest {
    @TempDir
    Path folder;

    @Test
    void eachFileGetsItsOwnErrorAndTheRestAreStillDescribed() throws Exception {
        Path good = FixtureModels.cached(FixtureModel.DEFAULT);
        Path garbage = Files.write(folder.resolve("garbage.gguf"), "not a model".getBytes(StandardCharsets.UTF_8));
        Path abortsLlama = folder.resolve("epsilon-nan.gguf");
        MutatedModels.Semantic.EPSILON_NAN.write(good, abortsLlama);
        Path missing = folder.resolve("missing.gguf");

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int status;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            status = ChorusCli.commandLine().execute("models", "--probe", good.toString(), garbage.toString(),
                    abortsLlama.toString(), missing.toString(), good.toString());
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, out);
        assertTrue(out.contains(garbage + "\n  error         bad magic"), out);
        assertTrue(out.contains(abortsLlama + ": llama.attention.layer_norm_rms_epsilon is NaN"), out);
        assertTrue(out.contains(missing + "\n  error         no such file"), out);
        assertEquals(2, out.split(": llama.cpp loads it \\(llama ", -1).length - 1, out);
        assertTrue(out.indexOf("architecture  llama") < out.indexOf(garbage.toString()), out);
    }
}
