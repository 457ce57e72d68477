package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Random123's known-answer vectors for Philox4x32-10 and the uniform built from it. */
class Philox4x32Test {

    @Test
    void zeroCounterAndKey() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                Philox4x32.generate(0, 0, 0, 0, 0, 0));
    }

    @Test
    void allOnesCounterAndKey() {
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox4x32.generate(-1, -1, -1, -1, -1, -1));
    }

    @Test
    void piDigitsCounterAndKey() {
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox4x32.generate(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void uniformUsesFiftyThreeBitsOfTheFirstTwoWords() {
        assertEquals(0.0, Philox4x32.toUniform(0, 0));
        assertEquals(1.0 - 0x1.0p-53, Philox4x32.toUniform(-1, -1));
        assertEquals(0.5, Philox4x32.toUniform(0x8000_0000, 0));
        int[] scratch = new int[4];
        int[] words = Philox4x32.generate(7, 3, 0, 0, 0x1234_5678, 0x9abc_def0);
        assertEquals(Philox4x32.toUniform(words[0], words[1]),
                Philox4x32.uniform(0x9abc_def0_1234_5678L, 7, 3, scratch));
    }

    @Test
    void uniformsLookUniform() {
        int[] scratch = new int[4];
        int[] buckets = new int[10];
        int draws = 100_000;
        for (int step = 0; step < draws; step++) {
            double u = Philox4x32.uniform(42L, step, 1, scratch);
            assertTrue(u >= 0 && u < 1);
            buckets[(int) (u * buckets.length)]++;
        }
        for (int count : buckets) {
            // 10,000 expected per bucket, standard deviation 95: 6 sigma.
            assertTrue(Math.abs(count - draws / buckets.length) < 570, "bucket count " + count);
        }
    }
}
