package dev.chorus.gguf.quant;

/** bfloat16 conversions bit-exact with ggml ({@code ggml_compute_fp32_to_bf16} in {@code ggml-impl.h}). */
public final class BFloat16 {
    private BFloat16() {
    }

    /** Rounds to nearest even; a NaN keeps its sign and top payload bits and is forced quiet. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fff_ffff) > 0x7f80_0000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }

    /** Exact: a bfloat16 is the top half of a float. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}
