package dev.chorus.kernels.fusion;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", the Random123 library):
 * a counter-based generator, so sequence b's draw at step t depends only on (seed, t, stream) and every
 * backend reproduces it exactly. See the Philox section of {@code kernels/FUSION.md}.
 */
public final class Philox4x32 {

    private static final long M0 = 0xD2511F53L;
    private static final long M1 = 0xCD9E8D57L;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final int ROUNDS = 10;
    private static final long MASK = 0xFFFF_FFFFL;

    private Philox4x32() {
    }

    /** The four output words for counter (c0, c1, c2, c3) and key (k0, k1), written to {@code out[0..3]}. */
    public static void generate(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < ROUNDS; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long product0 = M0 * (c0 & MASK);
            long product1 = M1 * (c2 & MASK);
            int next0 = (int) (product1 >>> 32) ^ c1 ^ k0;
            int next2 = (int) (product0 >>> 32) ^ c3 ^ k1;
            c1 = (int) product1;
            c3 = (int) product0;
            c0 = next0;
            c2 = next2;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** The four output words for counter (c0, c1, c2, c3) and key (k0, k1). */
    public static int[] generate(int c0, int c1, int c2, int c3, int k0, int k1) {
        int[] out = new int[4];
        generate(c0, c1, c2, c3, k0, k1, out);
        return out;
    }

    /**
     * The uniform in [0, 1) of one sampling step: counter (step, stream, 0, 0), key (seed low, seed high),
     * {@code u = ((x0 >>> 5) · 2^26 + (x1 >>> 6)) · 2^-53}. {@code scratch} holds 4 ints so no call allocates.
     */
    public static double uniform(long seed, int step, int stream, int[] scratch) {
        generate(step, stream, 0, 0, (int) seed, (int) (seed >>> 32), scratch);
        return toUniform(scratch[0], scratch[1]);
    }

    /** 53 random bits from two words as a double in [0, 1), the way {@code FUSION.md} defines it. */
    public static double toUniform(int x0, int x1) {
        long high = (x0 & MASK) >>> 5;
        long low = (x1 & MASK) >>> 6;
        return (high * (1L << 26) + low) * 0x1.0p-53;
    }
}
