package dev.chorus.kernels.fusion.gpu;

import static dev.chorus.kernels.fusion.gpu.DeviceLayout.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chorus.kernels.fusion.FusionInputException;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.SamplingParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The host half of the GPU backends: parameter words in, result words out, without a device. */
class DeviceRowsTest {

    private static final FusionShape SHAPE = new FusionShape(3, 4, 50, 8, 5);
    private static final SamplingParams SAMPLED = new SamplingParams(0.7f, 40, 0.9f, 0.05f, 1.3f, 0.5f, 0.25f,
            0x1234_5678_9ABC_DEF0L, 5);

    @Test
    void packsEveryParameterWord() {
        FusionStep step = new FusionStep(SHAPE);
        FusionRule rule = new FusionRule(FusionMethod.LINEAR, new float[] {3f, 0f, 1f}, new float[] {0.5f, 1f, 2f}, 0f, 0.25f);
        step.add(FusionRule.of(FusionMethod.LOG_LINEAR, 1f, 1f, 1f), SamplingParams.GREEDY, 0, 0, new int[0], 0);
        step.add(rule, SAMPLED, 7, 11, new int[] {4, 5, 4}, 3);
        DeviceRows rows = new DeviceRows(SHAPE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate((long) SHAPE.maxBatch() * rows.paramStride() * Integer.BYTES);
            rows.packParams(step, params);
            long base = rows.paramStride();
            assertEquals(FusionMethod.LINEAR.ordinal(), word(params, base + P_METHOD));
            assertEquals(40, word(params, base + P_TOP_K));
            assertEquals(5, word(params, base + P_TOP_N));
            assertEquals(3, word(params, base + P_HISTORY));
            assertEquals(7, word(params, base + P_STREAM));
            assertEquals(11, word(params, base + P_STEP));
            assertEquals(0x9ABC_DEF0, word(params, base + P_SEED_LO));
            assertEquals(0x1234_5678, word(params, base + P_SEED_HI));
            assertEquals(0.7f, real(params, base + P_TEMPERATURE));
            assertEquals(0.9f, real(params, base + P_TOP_P));
            assertEquals(0.05f, real(params, base + P_MIN_P));
            assertEquals(1.3f, real(params, base + P_REPETITION));
            assertEquals(0.5f, real(params, base + P_PRESENCE));
            assertEquals(0.25f, real(params, base + P_FREQUENCY));
            assertEquals((float) Math.log(0.25), real(params, base + P_LOG_ALPHA));
            assertEquals(1, word(params, base + P_PENALISED));
            // LINEAR coefficients are log w̄, with −∞ for the skipped member; then the temperatures.
            assertEquals((float) Math.log(0.75), real(params, base + P_COEFFICIENTS));
            assertEquals(Float.NEGATIVE_INFINITY, real(params, base + P_COEFFICIENTS + 1));
            assertEquals((float) Math.log(0.25), real(params, base + P_COEFFICIENTS + 2));
            assertEquals(2f, real(params, base + P_COEFFICIENTS + 5));
            // Then the members' shares of the logit offset Λ: |w| / Σ|w|.
            assertEquals(0.75f, real(params, base + P_COEFFICIENTS + 6));
            assertEquals(0f, real(params, base + P_COEFFICIENTS + 7));
            assertEquals(0.25f, real(params, base + P_COEFFICIENTS + 8));
            assertEquals(0, word(params, P_PENALISED), "greedy row without penalties");
            assertEquals(1f, real(params, P_COEFFICIENTS), "LOG_LINEAR weights travel as they are");
        }
        assertTrue(rows.anyPenalised(step));
    }

    @Test
    void aLoneLinearMemberHasCoefficientZero() {
        FusionStep step = new FusionStep(SHAPE);
        step.add(FusionRule.of(FusionMethod.LINEAR, 0f, 2.5f, 0f), SamplingParams.GREEDY, 0, 0, new int[] {1}, 1);
        DeviceRows rows = new DeviceRows(SHAPE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate((long) SHAPE.maxBatch() * rows.paramStride() * Integer.BYTES);
            rows.packParams(step, params);
            assertEquals(0f, real(params, P_COEFFICIENTS + 1));
            assertEquals(1f, real(params, P_COEFFICIENTS + 6 + 1), "a lone member's logits are penalised as they are");
        }
        assertFalse(rows.anyPenalised(step), "a history without penalties is not uploaded");
    }

    @Test
    void unpacksResultWords() {
        FusionStep step = twoRows();
        DeviceRows rows = new DeviceRows(SHAPE);
        FusionResult result = new FusionResult(SHAPE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = results(arena, rows);
            long base = rows.resultStride();
            put(words, base + R_TOKEN, 42);
            put(words, base + R_LOGPROB, Float.floatToRawIntBits(-1.5f));
            put(words, base + R_TOP_COUNT, 2);
            put(words, base + R_TOP_TOKENS, 42);
            put(words, base + R_TOP_TOKENS + 1, 7);
            put(words, base + R_TOP_TOKENS + SHAPE.maxTopLogprobs(), Float.floatToRawIntBits(-1.5f));
            put(words, base + R_TOP_TOKENS + SHAPE.maxTopLogprobs() + 1, Float.floatToRawIntBits(-2f));
            for (int m = 0; m < SHAPE.members(); m++) {
                put(words, base + entropyWord(SHAPE, m), Float.floatToRawIntBits(m + 0.5f));
                put(words, base + entropyWord(SHAPE, m) + SHAPE.members(), Float.floatToRawIntBits(0.1f * m));
            }
            rows.unpack(words, logits(arena), step, result);
        }
        assertEquals(42, result.token(1));
        assertEquals(-1.5f, result.logprob(1));
        assertEquals(2, result.topCount(1));
        assertEquals(7, result.topToken(1, 1));
        assertEquals(-2f, result.topLogprob(1, 1));
        assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f}, new float[] {result.memberEntropy(1, 0),
            result.memberEntropy(1, 1), result.memberEntropy(1, 2)});
        assertEquals(0.2f, result.memberMaxProb(1, 2));
    }

    @Test
    void flaggedRowsThrowInRowOrderMembersFirst() {
        FusionStep step = twoRows();
        DeviceRows rows = new DeviceRows(SHAPE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = results(arena, rows);
            MemorySegment logits = logits(arena);
            logits.setAtIndex(ValueLayout.JAVA_FLOAT, SHAPE.rowOffset(2, 1) + 17, Float.NaN);
            put(words, rows.resultStride() + entropyWord(SHAPE, 2) + 2L * SHAPE.members(), 1);
            put(words, rows.resultStride() + R_FUSED_BAD, 1);
            FusionInputException member = assertThrows(FusionInputException.class,
                    () -> rows.unpack(words, logits, step, new FusionResult(SHAPE)));
            assertEquals(2, member.member());
            assertEquals(1, member.sequence());
            assertEquals(17, member.tokenIndex());

            put(words, R_FUSED_BAD, 1);
            FusionInputException fused = assertThrows(FusionInputException.class,
                    () -> rows.unpack(words, logits, step, new FusionResult(SHAPE)));
            assertEquals(FusionInputException.FUSED, fused.member());
            assertEquals(0, fused.sequence());
        }
    }

    private static FusionStep twoRows() {
        FusionStep step = new FusionStep(SHAPE);
        for (int b = 0; b < 2; b++) {
            step.add(FusionRule.of(FusionMethod.LINEAR, 1f, 1f, 1f), SAMPLED, b, 0, new int[0], 0);
        }
        return step;
    }

    private static MemorySegment results(Arena arena, DeviceRows rows) {
        return arena.allocate((long) SHAPE.maxBatch() * rows.resultStride() * Integer.BYTES);
    }

    private static MemorySegment logits(Arena arena) {
        return arena.allocate(SHAPE.logitCount() * Float.BYTES);
    }

    private static int word(MemorySegment words, long index) {
        return words.getAtIndex(ValueLayout.JAVA_INT, index);
    }

    private static float real(MemorySegment words, long index) {
        return Float.intBitsToFloat(word(words, index));
    }

    private static void put(MemorySegment words, long index, int value) {
        words.setAtIndex(ValueLayout.JAVA_INT, index, value);
    }
}
