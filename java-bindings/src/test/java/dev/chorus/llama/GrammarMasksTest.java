package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The kept masks: rows written from either list, states compared by value, the least recently used evicted. */
class GrammarMasksTest {
    private static final int VOCAB = 1000;

    @Test
    void aMaskWritesTheRowItWasTakenFromWhicheverListItKeeps() {
        SplittableRandom random = new SplittableRandom(4);
        for (double share : new double[] {0.01, 0.3, 0.7, 0.99}) {
            long[] bits = new long[(VOCAB + 63) / 64];
            float[] expected = new float[VOCAB];
            int count = 0;
            for (int token = 0; token < VOCAB; token++) {
                boolean allowed = random.nextDouble() < share;
                expected[token] = allowed ? 0f : Float.NEGATIVE_INFINITY;
                bits[token >>> 6] |= allowed ? 1L << token : 0;
                count += allowed ? 1 : 0;
            }
            GrammarMasks.Mask mask = GrammarMasks.Mask.of(bits.clone(), count, VOCAB);
            assertEquals(share < 0.5, mask.listsAllowed());
            float[] row = new float[VOCAB];
            java.util.Arrays.fill(row, 5f);
            long[] written = new long[bits.length];
            mask.writeTo(row, written);
            assertArrayEquals(expected, row);
            assertArrayEquals(bits, written);
        }
    }

    @Test
    void statesAreKeysByValueAndTheLeastRecentlyUsedGoFirst() {
        GrammarMasks masks = new GrammarMasks();
        int vocab = 1 << 20; // 128 KiB of bits per mask, a few words listed
        long[] bits = new long[vocab / 64];
        bits[0] = 0b1011;
        long perMask = GrammarMasks.Mask.of(bits, 3, vocab).bytes();
        int fits = (int) (GrammarMasks.BUDGET_BYTES / perMask);
        for (int state = 0; state < fits; state++) {
            masks.put(new GrammarMasks.State(new long[] {state, 7}), GrammarMasks.Mask.of(bits, 3, vocab));
        }
        assertNotNull(masks.get(new GrammarMasks.State(new long[] {0, 7})), "equal words, equal state");
        masks.put(new GrammarMasks.State(new long[] {fits, 7}), GrammarMasks.Mask.of(bits, 3, vocab));
        assertNotNull(masks.get(new GrammarMasks.State(new long[] {0, 7})), "used last, so kept");
        assertNull(masks.get(new GrammarMasks.State(new long[] {1, 7})), "the least recently used went");
        assertEquals(2, masks.hits());
    }
}
