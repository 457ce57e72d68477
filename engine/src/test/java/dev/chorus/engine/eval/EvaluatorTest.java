package dev.chorus.engine.eval;

import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.MemberSpec;
import dev.chorus.kernels.fusion.FusionReference;
import dev.chorus.kernels.fusion.SamplingParams;
import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.Model;
import dev.chorus.llama.ModelParams;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The evaluator on three random-weight fixture models sharing the llama vocabulary: every collaboration kind's NLL
 * equals the double-precision {@link FusionReference} applied to logits decoded independently, tokens a contrastive
 * cut rules out are counted as probability 0, and bad input fails with a clear message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluatorTest {
    private static final int WINDOW = 48;
    private static final List<String> NAMES = List.of("base", "pool-max", "contrast", "proxy", "poe");

    private EngineConfig config;
    private PerplexityEvaluator evaluator;
    private TokenWindows windows;

    @BeforeAll
    void open(@TempDir Path folder) throws IOException {
        config = ThreeModelConfig.write(folder, fixture(1), fixture(2), fixture(3), """
                  pool-max:
                    kind: ensemble
                    method: max
                    members: [ { model: kjv, weight: 0.3 }, { model: pydocs, weight: 0.7, temperature: 1.5 } ]
                  poe:
                    kind: ensemble
                    method: log_linear
                    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
                  contrast: { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5, alpha: 0.5 }
                  proxy: { kind: proxy, base: base, expert: pydocs, anti_expert: kjv, strength: 0.8 }
                """);
        evaluator = PerplexityEvaluator.open(config, NAMES, WINDOW);
        Random random = new Random(20261126);
        List<int[]> list = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int[] window = random.ints(w == 2 ? WINDOW - 7 : WINDOW, 3, 32000).toArray();
            window[0] = 1;
            list.add(window);
        }
        windows = new TokenWindows(list);
    }

    private static Path fixture(long seed) {
        return FixtureModels.cached(FixtureModel.DEFAULT.withName("eval-" + seed).withSeed(seed));
    }

    @AfterAll
    void close() {
        evaluator.close();
    }

    @Test
    void everyKindMatchesTheReferenceFusionOfIndependentlyDecodedLogits() {
        List<Perplexity> results = evaluator.evaluate(windows, EvalProgress.NONE);
        assertEquals(NAMES, results.stream().map(Perplexity::name).toList());
        for (Perplexity result : results) {
            Expected expected = reference(config.collaboration(result.name()));
            assertEquals(windows.scoredTokens(), result.tokens());
            assertEquals(expected.zeroProbability, result.zeroProbabilityTokens(), result.name());
            assertEquals(expected.nllSum, result.finiteNllSum(), 1e-5 * expected.nllSum + 1e-3, result.name());
            assertTrue(result.seconds() > 0 && result.tokensPerSecond() > 0);
        }
        Perplexity contrast = results.get(NAMES.indexOf("contrast"));
        assertTrue(contrast.zeroProbabilityTokens() > 0, "a cut at alpha 0.5 rules out random tokens");
        assertEquals(Double.POSITIVE_INFINITY, contrast.perplexity());
        assertEquals(contrast.zeroProbabilityTokens() < contrast.tokens(), Double.isFinite(contrast.coveredPerplexity()));
    }

    @Test
    void aSecondEvaluationStartsAfresh() {
        List<Perplexity> first = evaluator.evaluate(windows, EvalProgress.NONE);
        List<Integer> reported = new ArrayList<>();
        List<Perplexity> second = evaluator.evaluate(windows, (done, total) -> reported.add(done * 100 + total));
        assertEquals(List.of(103, 203, 303), reported);
        for (int c = 0; c < first.size(); c++) {
            assertEquals(first.get(c).finiteNllSum(), second.get(c).finiteNllSum());
            assertEquals(first.get(c).tokens(), second.get(c).tokens());
        }
    }

    private record Expected(double nllSum, long zeroProbability) {
    }

    /** Decodes every window with fresh contexts and fuses each position with {@link FusionReference}. */
    private Expected reference(CollaborationSpec spec) {
        List<Model> models = spec.members().stream().map(MemberSpec::model)
                .map(name -> Model.load(config.model(name).path(), ModelParams.cpu())).toList();
        double nll = 0;
        long zero = 0;
        try {
            for (int[] window : windows.windows()) {
                float[][][] logits = new float[models.size()][][];
                for (int m = 0; m < models.size(); m++) {
                    logits[m] = decode(models.get(m), window);
                }
                for (int position = 0; position < window.length - 1; position++) {
                    float[][] rows = new float[models.size()][];
                    for (int m = 0; m < models.size(); m++) {
                        rows[m] = logits[m][position];
                    }
                    double fused = FusionReference.fuse(rows, spec.rule(), SamplingParams.GREEDY, 0, 0, new int[0], 0)
                            .fused()[window[position + 1]];
                    if (fused == Double.NEGATIVE_INFINITY) {
                        zero++;
                    } else {
                        nll -= fused;
                    }
                }
            }
        } finally {
            models.forEach(Model::close);
        }
        return new Expected(nll, zero);
    }

    private static float[][] decode(Model model, int[] window) {
        try (Context context = model.newContext(ContextParams.of(WINDOW, 1));
             Batch batch = context.newBatch(window.length)) {
            for (int position = 0; position < window.length; position++) {
                batch.add(window[position], position, 0, true);
            }
            context.decode(batch);
            float[][] logits = new float[window.length][];
            for (int position = 0; position < window.length; position++) {
                logits[position] = context.logitsArray(position);
            }
            return logits;
        }
    }

    @Test
    void refusesWindowsItCannotScore() {
        int[] tooLong = new int[WINDOW + 1];
        tooLong[0] = 1;
        IllegalArgumentException longer = assertThrows(IllegalArgumentException.class,
                () -> evaluator.evaluate(new TokenWindows(List.of(tooLong)), EvalProgress.NONE));
        assertTrue(longer.getMessage().contains("exceeds the " + WINDOW), longer.getMessage());
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> evaluator.evaluate(new TokenWindows(List.of(new int[] {1, 32000})), EvalProgress.NONE));
        assertTrue(outside.getMessage().contains("token 32000 at position 1 of window 0"), outside.getMessage());
    }

    @Test
    void refusesBadNamesAndWindows() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PerplexityEvaluator.open(config, List.of("nope"), WINDOW)).getMessage().contains("'nope'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PerplexityEvaluator.open(config, List.of("base", "base"), WINDOW)).getMessage()
                .contains("named twice"));
        assertThrows(IllegalArgumentException.class, () -> PerplexityEvaluator.open(config, List.of(), WINDOW));
        assertThrows(IllegalArgumentException.class, () -> PerplexityEvaluator.open(config, List.of("base"), 1));
    }

    @Test
    void textIsCutIntoWindowsThatEachStartWithBos() {
        String text = "In the beginning God created the heaven and the earth. ".repeat(12)
                + "The len() function returns the number of items in a container.";
        int[] tokens = evaluator.vocab().tokenize(text, false, false);
        TokenWindows cut = TokenWindows.fromText(text, evaluator.vocab(), 16);
        assertEquals((tokens.length + 14) / 15, cut.count());
        List<Integer> rejoined = new ArrayList<>();
        for (int[] window : cut.windows()) {
            assertEquals(1, window[0]);
            assertTrue(window.length <= 16 && window.length >= 2);
            for (int i = 1; i < window.length; i++) {
                rejoined.add(window[i]);
            }
        }
        assertEquals(java.util.Arrays.stream(tokens).boxed().toList(), rejoined);
        assertThrows(IllegalArgumentException.class, () -> TokenWindows.fromText("", evaluator.vocab(), 16));
    }

    @Test
    void readsInt32WindowsAndRefusesPartialOnes(@TempDir Path folder) throws IOException {
        Random random = new Random(7);
        int[] tokens = random.ints(3 * 20, 0, 32000).toArray();
        ByteBuffer bytes = ByteBuffer.allocate(tokens.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asIntBuffer().put(tokens);
        Path file = folder.resolve("tokens.i32");
        Files.write(file, bytes.array());
        TokenWindows read = TokenWindows.readInt32(file, 20);
        assertEquals(3, read.count());
        assertEquals(57, read.scoredTokens());
        assertEquals(tokens[47], read.windows().get(2)[7]);
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                () -> TokenWindows.readInt32(file, 25));
        assertTrue(partial.getMessage().contains("not a whole number of 25-token windows"), partial.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TokenWindows(List.of(new int[] {1})));
    }
}
