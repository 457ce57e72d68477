package dev.chorus.engine.probe;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufFormatException;
import dev.chorus.gguf.GgufModelChecks;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import dev.chorus.testkit.MutatedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated model files through the whole path a served file takes: the GGUF parser and {@link GgufModelChecks} in
 * this JVM, then, for every file they accept, llama.cpp in a {@link ModelProbe} child (load, context, tokenize,
 * decode, detokenize). Zero crashes and zero hangs: a file either gets a clear error or loads. Prints one figure
 * line for the CI log.
 */
class ModelFileFuzzTest {
    private static final int BYTE_MUTANTS = 320;
    private static final int PROBE_BATCH = 40;
    private static final long SEED = 20260511;

    @TempDir
    Path directory;

    @Test
    void noMutatedFileCrashesOrHangs() throws IOException {
        long started = System.nanoTime();
        Path base = FixtureModels.cached(FixtureModel.DEFAULT.withName("fuzz-base").withTensorType(GgmlType.Q8_0)
                .withTiedEmbeddings(true));
        byte[] original = Files.readAllBytes(base);
        MutatedModels.Layout layout;
        try (GgufFile gguf = GgufFile.open(base)) {
            layout = MutatedModels.Layout.of(gguf);
        }
        ModelProbe probe = new ModelProbe(Duration.ofSeconds(30));
        Map<ModelProbe.Outcome, Integer> outcomes = new EnumMap<>(ModelProbe.Outcome.class);
        List<String> failures = new ArrayList<>();
        List<Path> accepted = new ArrayList<>();
        int generated = 0;
        int refusedByChorus = 0;

        List<Path> cases = new ArrayList<>();
        for (MutatedModels.Semantic semantic : MutatedModels.Semantic.values()) {
            Path file = directory.resolve("semantic-" + semantic.name().toLowerCase(Locale.ROOT) + ".gguf");
            semantic.write(base, file);
            cases.add(file);
        }
        Random random = new Random(SEED);
        MutatedModels.Kind[] kinds = MutatedModels.Kind.values();
        for (int i = 0; i < BYTE_MUTANTS + cases.size(); i++) {
            Path file;
            if (i < cases.size()) {
                file = cases.get(i);
            } else {
                MutatedModels.Kind kind = kinds[i % kinds.length];
                file = directory.resolve("mutant-" + i + "-" + kind.name().toLowerCase(Locale.ROOT) + ".gguf");
                Files.write(file, MutatedModels.mutateBytes(original, layout, kind, random));
            }
            generated++;
            try (GgufFile gguf = GgufFile.open(file)) {
                GgufModelChecks.check(gguf);
                accepted.add(file);
            } catch (GgufFormatException refused) {
                assertFalse(refused.getMessage().isBlank(), file.toString());
                refusedByChorus++;
                Files.delete(file);
            } catch (RuntimeException unclear) {
                fail(file.getFileName() + ": not a GgufFormatException but " + unclear, unclear);
            }
            if (accepted.size() == PROBE_BATCH || (i == BYTE_MUTANTS + cases.size() - 1 && !accepted.isEmpty())) {
                for (ModelProbe.Result result : probe.probe(accepted)) {
                    outcomes.merge(result.outcome(), 1, Integer::sum);
                    if (result.outcome() == ModelProbe.Outcome.CRASHED
                            || result.outcome() == ModelProbe.Outcome.TIMED_OUT
                            || result.outcome() == ModelProbe.Outcome.REFUSED && result.detail().isBlank()) {
                        failures.add(result.file().getFileName() + ": " + result.outcome() + " " + result.detail());
                    }
                    Files.delete(result.file());
                }
                accepted.clear();
            }
        }
        int crashes = outcomes.getOrDefault(ModelProbe.Outcome.CRASHED, 0);
        int hangs = outcomes.getOrDefault(ModelProbe.Outcome.TIMED_OUT, 0);
        int refusedByLlama = outcomes.getOrDefault(ModelProbe.Outcome.REFUSED, 0);
        int loaded = outcomes.getOrDefault(ModelProbe.Outcome.LOADED, 0);
        System.out.printf(Locale.ROOT, "model-file fuzz: %d files generated, %d clean errors (%d from Chorus's checks,"
                        + " %d from llama.cpp), %d loaded and decoded, %d crashes, %d hangs, in %.1f s%n",
                generated, refusedByChorus + refusedByLlama, refusedByChorus, refusedByLlama, loaded, crashes, hangs,
                (System.nanoTime() - started) / 1e9);
        assertEquals(List.of(), failures, "files that crashed or hung llama.cpp, or failed without a message");
        assertEquals(generated, refusedByChorus + refusedByLlama + loaded + crashes + hangs);
        assertTrue(generated >= 300 && refusedByChorus > 0 && loaded > 0,
                "the corpus must hold accepted and refused files: " + outcomes);
    }
}
