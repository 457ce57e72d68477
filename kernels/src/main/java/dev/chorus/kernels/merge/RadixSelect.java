package dev.chorus.kernels.merge;

/**
 * Finds the r-th largest 32-bit key of a tensor in four passes of an 8-bit digit histogram, most
 * significant digit first: each pass counts the keys that share the prefix chosen so far, and the digit
 * holding rank r becomes part of the prefix. Only the 256 counts cross from the device to the host.
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
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be at least 1, not " + rank);
        }
        int prefix = 0;
        long remaining = rank;
        for (int shift = Integer.SIZE - DIGIT_BITS; shift >= 0; shift -= DIGIT_BITS) {
            long[] counts = histogram.count(shift, prefix);
            int digit = BINS - 1;
            while (digit > 0 && counts[digit] < remaining) {
                remaining -= counts[digit];
                digit--;
            }
            if (digit == 0 && counts[0] < remaining) {
                throw new IllegalArgumentException("rank " + rank + " exceeds the number of keys");
            }
            prefix = (prefix << DIGIT_BITS) | digit;
        }
        return prefix;
    }

    /** Whether a key belongs to the histogram of pass {@code shift} with {@code prefix}. */
    public static boolean matches(int key, int shift, int prefix) {
        return shift + DIGIT_BITS >= Integer.SIZE || key >>> (shift + DIGIT_BITS) == prefix;
    }
}
