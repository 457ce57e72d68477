package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code struct llama_batch} (llama.h, v0.5.0): an int32, padding and six pointers, 56 bytes. */
public final class LlamaBatch {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            C_INT.withName("n_tokens"),         // int32_t n_tokens;
            MemoryLayout.paddingLayout(4),
            C_POINTER.withName("token"),        // llama_token * token;
            C_POINTER.withName("embd"),         // float * embd;
            C_POINTER.withName("pos"),          // llama_pos * pos;
            C_POINTER.withName("n_seq_id"),     // int32_t * n_seq_id;
            C_POINTER.withName("seq_id"),       // llama_seq_id ** seq_id;
            C_POINTER.withName("logits"))       // int8_t * logits;
            .withName("llama_batch");

    private static final long N_TOKENS = NativeTypes.offset(LAYOUT, "n_tokens", 0);
    private static final long TOKEN = NativeTypes.offset(LAYOUT, "token", 8);
    private static final long POS = NativeTypes.offset(LAYOUT, "pos", 24);
    private static final long N_SEQ_ID = NativeTypes.offset(LAYOUT, "n_seq_id", 32);
    private static final long SEQ_ID = NativeTypes.offset(LAYOUT, "seq_id", 40);
    private static final long LOGITS = NativeTypes.offset(LAYOUT, "logits", 48);

    static {
        NativeTypes.offset(LAYOUT, "embd", 16);
        NativeTypes.requireSize(LAYOUT, 56);
    }

    private LlamaBatch() {}

    public static void n_tokens(MemorySegment batch, int value) {
        batch.set(C_INT, N_TOKENS, value);
    }

    public static MemorySegment token(MemorySegment batch) {
        return batch.get(C_POINTER, TOKEN);
    }

    public static MemorySegment pos(MemorySegment batch) {
        return batch.get(C_POINTER, POS);
    }

    public static MemorySegment n_seq_id(MemorySegment batch) {
        return batch.get(C_POINTER, N_SEQ_ID);
    }

    public static MemorySegment seq_id(MemorySegment batch) {
        return batch.get(C_POINTER, SEQ_ID);
    }

    public static MemorySegment logits(MemorySegment batch) {
        return batch.get(C_POINTER, LOGITS);
    }
}
