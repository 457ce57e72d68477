package dev.chorus.bench.server;

import java.util.Arrays;

/** Nearest-rank percentiles of a sample: the smallest value with at least {@code p} % of the sample at or below it. */
final class Percentiles {
    private final long[] sorted;

    Percentiles(long[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("percentiles of an empty sample");
        }
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    /** {@code p} in (0, 100]. */
    long at(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("p must be in (0, 100]: " + p);
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[rank - 1];
    }

    int size() {
        return sorted.length;
    }
}
