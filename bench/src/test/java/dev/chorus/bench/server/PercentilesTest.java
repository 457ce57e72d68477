package dev.chorus.bench.server;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PercentilesTest {
    @Test
    void nearestRankOfOneToAHundredInAnyOrder() {
        long[] values = LongStream.rangeClosed(1, 100).toArray();
        SplittableRandom random = new SplittableRandom(5);
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
        Percentiles percentiles = new Percentiles(values);
        assertEquals(50, percentiles.at(50));
        assertEquals(99, percentiles.at(99));
        assertEquals(100, percentiles.at(100));
        assertEquals(1, percentiles.at(0.5));
    }

    @Test
    void smallSamplesRoundTheRankUp() {
        Percentiles three = new Percentiles(new long[] {30, 10, 20});
        assertEquals(20, three.at(50));
        assertEquals(30, three.at(99));
        assertEquals(7, new Percentiles(new long[] {7}).at(1));
    }

    @Test
    void emptySamplesAndOutOfRangePercentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Percentiles(new long[0]));
        assertThrows(IllegalArgumentException.class, () -> new Percentiles(new long[] {1}).at(0));
        assertThrows(IllegalArgumentException.class, () -> new Percentiles(new long[] {1}).at(100.5));
    }
}
