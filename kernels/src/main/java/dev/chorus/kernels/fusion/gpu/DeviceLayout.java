package dev.chorus.kernels.fusion.gpu;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionShape;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Locale;

/**
 * The word layouts the GPU kernels share with their host code: one row of int32 parameter words per
 * sequence and one row of int32 result words (floats travel as their bits). The same numbers are the
 * enums of {@code kernels/src/main/cuda/fusion_common.cuh} (a test compares them) and reach
 * {@code fusion.cl} as {@code -D} options from {@link #openClDefines}.
 */
public final class DeviceLayout {

    // Parameter words of a row; then members coefficients, members temperatures and members logit-offset
    // shares (FusionRule.offsetShare).
    public static final int P_METHOD = 0;
    public static final int P_TOP_K = 1;
    public static final int P_TOP_N = 2;
    public static final int P_HISTORY = 3;
    public static final int P_STREAM = 4;
    public static final int P_STEP = 5;
    public static final int P_SEED_LO = 6;
    public static final int P_SEED_HI = 7;
    public static final int P_TEMPERATURE = 8;
    public static final int P_TOP_P = 9;
    public static final int P_MIN_P = 10;
    public static final int P_REPETITION = 11;
    public static final int P_PRESENCE = 12;
    public static final int P_FREQUENCY = 13;
    public static final int P_LAMBDA = 14;
    public static final int P_LOG_ALPHA = 15;
    public static final int P_PENALISED = 16;
    /** 1 when the row's fused scores get its bias row (FUSION.md step 2b). */
    public static final int P_BIASED = 17;
    public static final int P_COEFFICIENTS = 18;

    // Result words of a row; then maxTop top tokens, maxTop top log-probs, and per member entropy,
    // max probability and a bad-input flag. R_LOGIT_OFFSET is Λ of FUSION.md step 4, which k_fuse_combine
    // computes for k_sample.
    public static final int R_TOKEN = 0;
    public static final int R_LOGPROB = 1;
    public static final int R_FUSED_BAD = 2;
    public static final int R_TOP_COUNT = 3;
    public static final int R_LOGIT_OFFSET = 4;
    // What k_sample leaves for k_verify (FUSION.md step 9): log Z_f, max h and the filters' threshold key of
    // the row's kept distribution; and k_verify's verdict.
    public static final int R_LOG_Z = 5;
    public static final int R_MAX_H = 6;
    public static final int R_THRESHOLD = 7;
    public static final int R_ACCEPTED = 8;
    public static final int R_TOP_TOKENS = 9;

    /** Tokens each work-item of the fuse kernels holds in registers. */
    public static final int FUSE_ITEMS = 8;
    public static final int RADIX_BITS = 8;
    public static final int RADIX_BINS = 1 << RADIX_BITS;
    /** "No token" in the kernels' ranked pairs. */
    public static final int NO_TOKEN = Integer.MAX_VALUE;
    /** Top-p masses are exact 64-bit integers in units of 2^-40. */
    public static final double MASS_SCALE = 0x1p40;
    /** Bytes of the kernels' {@code Moments} (max, sum, weighted, bad) and {@code Ranked} (value, token). */
    public static final int MOMENTS_BYTES = 16;
    public static final int RANKED_BYTES = 8;

    private DeviceLayout() {
    }

    /** Parameter words per row for {@code members} members. */
    public static int paramStride(int members) {
        return P_COEFFICIENTS + 3 * members;
    }

    /** Result words per row. */
    public static int resultStride(FusionShape shape) {
        return R_TOP_TOKENS + 2 * shape.maxTopLogprobs() + 3 * shape.members();
    }

    /** Result word of member m's entropy; its max probability and bad flag follow at +members and +2·members. */
    public static int entropyWord(FusionShape shape, int member) {
        return R_TOP_TOKENS + 2 * shape.maxTopLogprobs() + member;
    }

    /** The chunks of a vocabulary row when each fuse work-group of {@code threads} owns {@code threads · FUSE_ITEMS} tokens. */
    public static int chunks(int vocab, int threads) {
        int chunk = threads * FUSE_ITEMS;
        return (vocab + chunk - 1) / chunk;
    }

    /**
     * The OpenCL build options for {@code fusion.cl}: every {@code P_}/{@code R_} word of this class, the
     * {@code M_} method ordinals, the remaining constants and the two work-group sizes.
     */
    public static String openClDefines(int fuseThreads, int sampleThreads) {
        StringBuilder options = new StringBuilder("-cl-std=CL1.2");
        for (Field field : DeviceLayout.class.getDeclaredFields()) {
            if (field.getType() == int.class && Modifier.isStatic(field.getModifiers())) {
                try {
                    define(options, field.getName(), field.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        for (FusionMethod method : FusionMethod.values()) {
            define(options, "M_" + method.name(), method.ordinal());
        }
        options.append(String.format(Locale.ROOT, " -DMASS_SCALE=%.1f", MASS_SCALE));
        define(options, "FUSE_THREADS", fuseThreads);
        define(options, "SAMPLE_THREADS", sampleThreads);
        return options.toString();
    }

    private static void define(StringBuilder options, String name, int value) {
        options.append(" -D").append(name).append('=').append(value);
    }
}
