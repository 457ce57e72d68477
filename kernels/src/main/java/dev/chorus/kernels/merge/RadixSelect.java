package dev.chorus.kernels.merge;

/**
 * Finds the r-th largest 32-bit key of a tensor in four passes of an 8-bit digit histogram, most
 * significant digit first: each pass counts the keys that share the prefix chosen so far, and the digit
 * holding rank r becomes part of the prefix. Only the 256 counts cross from the device to the host, and a
 * pass may add the counts of a tensor's chunks one by one ({@link Selection}), so the tensor never has to
 * be on the device whole.
 */
public final class RadixSelect {

    /** Counts, per digit value, the keys whose bits above {@code shift + 8} equal {@code prefix}. */
    @FunctionalInterface
    public interface DigitHistogram {
        long[] count(int shift, int prefix);
    }

    public static final int DIGIT_BITS = 8;
    public static final int BINS = 1 << DIGIT_BITS;

    private RadixSelect() {
    }

    /** The key of rank {@code rank} (1 = largest) among the keys {@code histogram} counts. */
    public static int largest(DigitHistogram histogram, long rank) {
        Selection selection = new Selection(rank);
        while (!selection.done()) {
            selection.accept(histogram.count(selection.shift(), selection.prefix()));
        }
        return selection.key();
    }

    /** Whether a key belongs to the histogram of pass {@code shift} with {@code prefix}. */
    public static boolean matches(int key, int shift, int prefix) {
        return shift + DIGIT_BITS >= Integer.SIZE || key >>> (shift + DIGIT_BITS) == prefix;
    }

    /** One selection driven a pass at a time: {@link #accept} the whole pass's counts for {@link #shift()} and {@link #prefix()}. */
    public static final class Selection {
        private final long rank;
        private int shift = Integer.SIZE - DIGIT_BITS;
        private int prefix;
        private long remaining;
        private long equal;
        private boolean done;

        public Selection(long rank) {
            if (rank < 1) {
                throw new IllegalArgumentException("rank must be at least 1, not " + rank);
            }
            this.rank = rank;
            this.remaining = rank;
        }

        public int shift() {
            return shift;
        }

        public int prefix() {
            return prefix;
        }

        public boolean done() {
            return done;
        }

        /** Takes one pass's counts and returns the digit that holds the rank. */
        public int accept(long[] counts) {
            if (done) {
                throw new IllegalStateException("the selection is complete");
            }
            int digit = BINS - 1;
            while (digit > 0 && counts[digit] < remaining) {
                remaining -= counts[digit];
                digit--;
            }
            if (digit == 0 && counts[0] < remaining) {
                throw new IllegalArgumentException("rank " + rank + " exceeds the number of keys");
            }
            prefix = (prefix << DIGIT_BITS) | digit;
            equal = counts[digit];
            if (shift == 0) {
                done = true;
            } else {
                shift -= DIGIT_BITS;
            }
            return digit;
        }

        /** The key of the rank, once {@link #done()}. */
        public int key() {
            requireDone();
            return prefix;
        }

        /** How many of the keys equal to {@link #key()} rank within the first {@code rank}: {@code rank − #(keys > key)}. */
        public long equalTaken() {
            requireDone();
            return remaining;
        }

        /** How many keys equal {@link #key()}. */
        public long equalCount() {
            requireDone();
            return equal;
        }

        private void requireDone() {
            if (!done) {
                throw new IllegalStateException("the selection needs more passes");
            }
        }
    }
}
