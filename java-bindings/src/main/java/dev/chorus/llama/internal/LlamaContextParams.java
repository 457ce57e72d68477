package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_BOOL;
import static dev.chorus.llama.internal.NativeTypes.C_FLOAT;
import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;
import static dev.chorus.llama.internal.NativeTypes.C_SIZE_T;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code struct llama_context_params} (llama.h, v0.5.0): 160 bytes, passed and returned by value. */
public final class LlamaContextParams {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            C_INT.withName("n_ctx"),                    // uint32_t n_ctx;
            C_INT.withName("n_batch"),                  // uint32_t n_batch;
            C_INT.withName("n_ubatch"),                 // uint32_t n_ubatch;
            C_INT.withName("n_seq_max"),                // uint32_t n_seq_max;
            C_INT.withName("n_rs_seq"),                 // uint32_t n_rs_seq;
            C_INT.withName("n_outputs_max"),            // uint32_t n_outputs_max;
            C_INT.withName("n_outputs_max_per_seq"),    // uint32_t n_outputs_max_per_seq;
            C_INT.withName("n_threads"),                // int32_t n_threads;
            C_INT.withName("n_threads_batch"),          // int32_t n_threads_batch;
            C_INT.withName("ctx_type"),                 // enum llama_context_type ctx_type;
            C_INT.withName("rope_scaling_type"),        // enum llama_rope_scaling_type rope_scaling_type;
            C_INT.withName("pooling_type"),             // enum llama_pooling_type pooling_type;
            C_INT.withName("attention_type"),           // enum llama_attention_type attention_type;
            C_INT.withName("flash_attn_type"),          // enum llama_flash_attn_type flash_attn_type;
            C_FLOAT.withName("rope_freq_base"),         // float rope_freq_base;
            C_FLOAT.withName("rope_freq_scale"),        // float rope_freq_scale;
            C_FLOAT.withName("yarn_ext_factor"),        // float yarn_ext_factor;
            C_FLOAT.withName("yarn_attn_factor"),       // float yarn_attn_factor;
            C_FLOAT.withName("yarn_beta_fast"),         // float yarn_beta_fast;
            C_FLOAT.withName("yarn_beta_slow"),         // float yarn_beta_slow;
            C_INT.withName("yarn_orig_ctx"),            // uint32_t yarn_orig_ctx;
            C_FLOAT.withName("defrag_thold"),           // float defrag_thold;
            C_POINTER.withName("cb_eval"),              // ggml_backend_sched_eval_callback cb_eval;
            C_POINTER.withName("cb_eval_user_data"),    // void * cb_eval_user_data;
            C_INT.withName("type_k"),                   // enum ggml_type type_k;
            C_INT.withName("type_v"),                   // enum ggml_type type_v;
            C_POINTER.withName("abort_callback"),       // ggml_abort_callback abort_callback;
            C_POINTER.withName("abort_callback_data"),  // void * abort_callback_data;
            C_BOOL.withName("embeddings"),              // bool embeddings;
            C_BOOL.withName("offload_kqv"),             // bool offload_kqv;
            C_BOOL.withName("no_perf"),                 // bool no_perf;
            C_BOOL.withName("op_offload"),              // bool op_offload;
            C_BOOL.withName("swa_full"),                // bool swa_full;
            C_BOOL.withName("kv_unified"),              // bool kv_unified;
            MemoryLayout.paddingLayout(2),
            C_POINTER.withName("samplers"),             // struct llama_sampler_seq_config * samplers;
            C_SIZE_T.withName("n_samplers"),            // size_t n_samplers;
            C_POINTER.withName("ctx_other"))            // struct llama_context * ctx_other;
            .withName("llama_context_params");

    /** {@code enum llama_flash_attn_type}. */
    public static final int FLASH_ATTN_AUTO = -1;
    public static final int FLASH_ATTN_DISABLED = 0;
    public static final int FLASH_ATTN_ENABLED = 1;

    /** {@code enum llama_pooling_type}. */
    public static final int POOLING_UNSPECIFIED = -1;
    public static final int POOLING_NONE = 0;
    public static final int POOLING_MEAN = 1;
    public static final int POOLING_CLS = 2;
    public static final int POOLING_LAST = 3;
    public static final int POOLING_RANK = 4;

    private static final long N_CTX = NativeTypes.offset(LAYOUT, "n_ctx", 0);
    private static final long N_BATCH = NativeTypes.offset(LAYOUT, "n_batch", 4);
    private static final long N_UBATCH = NativeTypes.offset(LAYOUT, "n_ubatch", 8);
    private static final long N_SEQ_MAX = NativeTypes.offset(LAYOUT, "n_seq_max", 12);
    private static final long N_THREADS = NativeTypes.offset(LAYOUT, "n_threads", 28);
    private static final long N_THREADS_BATCH = NativeTypes.offset(LAYOUT, "n_threads_batch", 32);
    private static final long POOLING_TYPE = NativeTypes.offset(LAYOUT, "pooling_type", 44);
    private static final long FLASH_ATTN_TYPE = NativeTypes.offset(LAYOUT, "flash_attn_type", 52);
    private static final long EMBEDDINGS = NativeTypes.offset(LAYOUT, "embeddings", 128);

    static {
        NativeTypes.offset(LAYOUT, "samplers", 136);
        NativeTypes.offset(LAYOUT, "ctx_other", 152);
        NativeTypes.requireSize(LAYOUT, 160);
    }

    private LlamaContextParams() {}

    public static int n_ctx(MemorySegment params) {
        return params.get(C_INT, N_CTX);
    }

    public static void n_ctx(MemorySegment params, int value) {
        params.set(C_INT, N_CTX, value);
    }

    public static int n_batch(MemorySegment params) {
        return params.get(C_INT, N_BATCH);
    }

    public static void n_batch(MemorySegment params, int value) {
        params.set(C_INT, N_BATCH, value);
    }

    public static int n_ubatch(MemorySegment params) {
        return params.get(C_INT, N_UBATCH);
    }

    public static void n_ubatch(MemorySegment params, int value) {
        params.set(C_INT, N_UBATCH, value);
    }

    public static int n_seq_max(MemorySegment params) {
        return params.get(C_INT, N_SEQ_MAX);
    }

    public static void n_seq_max(MemorySegment params, int value) {
        params.set(C_INT, N_SEQ_MAX, value);
    }

    public static void n_threads(MemorySegment params, int value) {
        params.set(C_INT, N_THREADS, value);
    }

    public static void n_threads_batch(MemorySegment params, int value) {
        params.set(C_INT, N_THREADS_BATCH, value);
    }

    public static void flash_attn_type(MemorySegment params, int value) {
        params.set(C_INT, FLASH_ATTN_TYPE, value);
    }

    public static void pooling_type(MemorySegment params, int value) {
        params.set(C_INT, POOLING_TYPE, value);
    }

    public static boolean embeddings(MemorySegment params) {
        return params.get(C_BOOL, EMBEDDINGS);
    }

    public static void embeddings(MemorySegment params, boolean value) {
        params.set(C_BOOL, EMBEDDINGS, value);
    }
}
