package dev.chorus.gguf.quant;

/** C's rounding and conversion rules where Java's differ. */
final class Rounding {
    private Rounding() {
    }

    /**
     * C's {@code (int) roundf(x)}: halves round away from zero (Java's {@link Math#round} rounds them up). Done in
     * double, where {@code |x| + 0.5} is exact for every float a quantiser produces.
     */
    static int halfAwayFromZero(float x) {
        return (int) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
    }
}
