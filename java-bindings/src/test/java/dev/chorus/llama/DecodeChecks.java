package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Decoding checks run against real llama.cpp, once per device: the subclasses choose where the
 * layers go. Prompts are random token ids from fixed seeds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DecodeChecks {

    Model model;
    private String missing;

    abstract ModelParams modelParams();

    /** The model the checks decode: the F16 fixture unless a subclass needs another tensor type. */
    Path modelFile() {
        return TestModels.fixture();
    }

    /** The largest logit difference allowed between decodes of the same tokens in different batches. */
    abstract float tolerance();

    /** Why this class's device is not here, or null when it is; each test then skips with the reason. */
    String missingDevice() {
        return null;
    }

    @BeforeAll
    void loadModel() {
        missing = missingDevice();
        if (missing == null) {
            model = Model.load(modelFile(), modelParams());
        }
    }

    @BeforeEach
    void requireDevice() {
        assumeTrue(missing == null, missing);
    }

    @AfterAll
    void closeModel() {
        if (model != null) {
            model.close();
        }
    }

    Context newContext(int sequences) {
        return model.newContext(new ContextParams(TestModels.CONTEXT, 128, 128, sequences, TestModels.THREADS, FlashAttention.AUTO));
    }

    @Test
    void promptLogitsAreFiniteAndRepeatable() {
        int[] prompt = randomPrompt(42, 24);
        try (Context context = newContext(1)) {
            float[] first = decodeLast(context, prompt, 0);
            context.memoryClear();
            float[] second = decodeLast(context, prompt, 0);

            assertEquals(model.vocab().size(), first.length);
            for (float logit : first) {
                assertTrue(Float.isFinite(logit), "non-finite logit " + logit);
            }
            assertTrue(spread(first) > 1f, "logits barely vary: " + spread(first));
            assertArrayEquals(first, second);
        }
    }

    @Test
    void batchedSequencesMatchSingleSequenceDecodes() {
        int[][] prompts = {randomPrompt(1, 5), randomPrompt(2, 9), randomPrompt(3, 13), randomPrompt(4, 17)};
        float[][] single = new float[prompts.length][];
        try (Context context = newContext(1)) {
            for (int s = 0; s < prompts.length; s++) {
                context.memoryClear();
                single[s] = decodeLast(context, prompts[s], 0);
            }
        }
        try (Context context = newContext(prompts.length); Batch batch = context.newBatch(64)) {
            int[] lastEntry = new int[prompts.length];
            for (int s = 0; s < prompts.length; s++) {
                for (int p = 0; p < prompts[s].length; p++) {
                    batch.add(prompts[s][p], p, s, p == prompts[s].length - 1);
                }
                lastEntry[s] = batch.size() - 1;
            }
            context.decode(batch);

            for (int s = 0; s < prompts.length; s++) {
                assertClose(single[s], context.logitsArray(lastEntry[s]), "sequence " + s);
            }
        }
    }

    @Test
    void removingPositionsAndDecodingThemAgainReproducesTheLogits() {
        int[] prompt = randomPrompt(5, 16);
        try (Context context = newContext(1)) {
            float[] original = decodeLast(context, prompt, 0);

            assertTrue(context.seqRemove(0, 8, Integer.MAX_VALUE));
            float[] redecoded = decodeLast(context, Arrays.copyOfRange(prompt, 8, 16), 8);

            assertClose(original, redecoded, "after seq_rm");
        }
    }

    @Test
    void aCopiedSequenceContinuesLikeItsSource() {
        int[] prompt = randomPrompt(6, 12);
        int next = randomPrompt(7, 1)[0];
        float[] expected;
        try (Context context = newContext(1)) {
            decodeLast(context, prompt, 0);
            expected = decodeLast(context, new int[] {next}, prompt.length);
        }
        try (Context context = newContext(2); Batch batch = context.newBatch(2)) {
            decodeLast(context, prompt, 0);
            context.seqCopy(0, 1);
            batch.add(next, prompt.length, 0, true).add(next, prompt.length, 1, true);
            context.decode(batch);

            assertClose(expected, context.logitsArray(0), "source sequence");
            assertClose(expected, context.logitsArray(1), "copied sequence");
        }
    }

    @Test
    void aPositionGapIsRefusedByLlamaDecodeWithItsStatus() {
        try (Context context = newContext(1); Batch batch = context.newBatch(1)) {
            decodeLast(context, randomPrompt(8, 4), 0);
            batch.add(100, 10, 0, true);

            var error = assertThrows(LlamaCallException.class, () -> context.decode(batch));

            assertEquals("llama_decode", error.function());
            assertEquals(-1, error.code());
            assertTrue(error.getMessage().startsWith("llama_decode failed with status -1: invalid batch"), error.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> context.logits(0), "no logits after a failed decode");
        }
    }

    /** Decodes {@code tokens} of sequence 0 from {@code firstPosition}; returns the last token's logits. */
    static float[] decodeLast(Context context, int[] tokens, int firstPosition) {
        try (Batch batch = context.newBatch(tokens.length)) {
            for (int i = 0; i < tokens.length; i++) {
                batch.add(tokens[i], firstPosition + i, 0, i == tokens.length - 1);
            }
            context.decode(batch);
            return context.logitsArray(tokens.length - 1);
        }
    }

    /** BOS, then ids drawn from the ordinary tokens (3 and up: 0-2 are unk, BOS, EOS). */
    static int[] randomPrompt(long seed, int length) {
        Random random = new Random(seed);
        int[] tokens = new int[length];
        tokens[0] = 1;
        for (int i = 1; i < length; i++) {
            tokens[i] = 3 + random.nextInt(TestModels.VOCAB_SIZE - 3);
        }
        return length == 1 ? new int[] {3 + random.nextInt(TestModels.VOCAB_SIZE - 3)} : tokens;
    }

    private static float spread(float[] values) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float value : values) {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        return max - min;
    }

    void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tolerance(), what + ": largest logit difference " + worst);
    }
}
