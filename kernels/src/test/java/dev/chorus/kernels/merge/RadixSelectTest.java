package dev.chorus.kernels.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The host side of the device selection against a sort, with many equal keys and keys above 2^31. */
class RadixSelectTest {

    @Test
    void everyRankMatchesASort() {
        SplittableRandom random = new SplittableRandom(11);
        int[] keys = new int[3000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = i % 3 == 0 ? random.nextInt(5) : random.nextInt();
        }
        long[] sorted = Arrays.stream(keys).mapToLong(Integer::toUnsignedLong).sorted().toArray();
        for (int rank = 1; rank <= keys.length; rank += 7) {
            int found = RadixSelect.largest((shift, prefix) -> histogram(keys, shift, prefix), rank);
            assertEquals(sorted[keys.length - rank], Integer.toUnsignedLong(found), "rank " + rank);
        }
    }

    @Test
    void aRankBeyondTheKeysIsRefused() {
        int[] keys = {1, 2, 3};
        assertThrows(IllegalArgumentException.class,
                () -> RadixSelect.largest((shift, prefix) -> histogram(keys, shift, prefix), 4));
        assertThrows(IllegalArgumentException.class,
                () -> RadixSelect.largest((shift, prefix) -> histogram(keys, shift, prefix), 0));
    }

    private static long[] histogram(int[] keys, int shift, int prefix) {
        long[] counts = new long[RadixSelect.BINS];
        for (int key : keys) {
            if (RadixSelect.matches(key, shift, prefix)) {
                counts[(key >>> shift) & 0xFF]++;
            }
        }
        return counts;
    }
}
