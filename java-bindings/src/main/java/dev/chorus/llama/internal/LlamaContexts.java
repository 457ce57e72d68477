package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_BOOL;
import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;

/**
 * The functions of {@code struct llama_context}: creation, batches, decoding, logits, memory.
 * One holder class per function creates its descriptor and downcall handle once, on first use
 * (jextract's shape); each method's Javadoc is the C declaration it binds.
 */
public final class LlamaContexts {

    private LlamaContexts() {}

    /** {@code struct llama_context_params llama_context_default_params(void);} */
    private static final class llama_context_default_params {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(LlamaContextParams.LAYOUT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_context_default_params", DESC);
    }

    public static MemorySegment llama_context_default_params(SegmentAllocator allocator) {
        try {
            return (MemorySegment) llama_context_default_params.HANDLE.invokeExact((SegmentAllocator) allocator);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_context_default_params", t);
        }
    }

    /** {@code struct llama_context * llama_init_from_model(struct llama_model * model, struct llama_context_params params);} */
    private static final class llama_init_from_model {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, LlamaContextParams.LAYOUT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_init_from_model", DESC);
    }

    public static MemorySegment llama_init_from_model(MemorySegment model, MemorySegment params) {
        try {
            return (MemorySegment) llama_init_from_model.HANDLE.invokeExact(model, params);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_init_from_model", t);
        }
    }

    /** {@code void llama_free(struct llama_context * ctx);} */
    private static final class llama_free {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_free", DESC);
    }

    public static void llama_free(MemorySegment ctx) {
        try {
            llama_free.HANDLE.invokeExact(ctx);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_free", t);
        }
    }

    /** {@code uint32_t llama_n_ctx(const struct llama_context * ctx);} */
    private static final class llama_n_ctx {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_n_ctx", DESC);
    }

    public static int llama_n_ctx(MemorySegment ctx) {
        try {
            return (int) llama_n_ctx.HANDLE.invokeExact(ctx);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_n_ctx", t);
        }
    }

    /** {@code uint32_t llama_n_batch(const struct llama_context * ctx);} */
    private static final class llama_n_batch {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_n_batch", DESC);
    }

    public static int llama_n_batch(MemorySegment ctx) {
        try {
            return (int) llama_n_batch.HANDLE.invokeExact(ctx);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_n_batch", t);
        }
    }

    /** {@code uint32_t llama_n_seq_max(const struct llama_context * ctx);} */
    private static final class llama_n_seq_max {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_n_seq_max", DESC);
    }

    public static int llama_n_seq_max(MemorySegment ctx) {
        try {
            return (int) llama_n_seq_max.HANDLE.invokeExact(ctx);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_n_seq_max", t);
        }
    }

    /** {@code struct llama_batch llama_batch_init(int32_t n_tokens, int32_t embd, int32_t n_seq_max);} */
    private static final class llama_batch_init {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(LlamaBatch.LAYOUT, C_INT, C_INT, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_batch_init", DESC);
    }

    public static MemorySegment llama_batch_init(SegmentAllocator allocator, int n_tokens, int embd, int n_seq_max) {
        try {
            return (MemorySegment) llama_batch_init.HANDLE.invokeExact((SegmentAllocator) allocator, n_tokens, embd, n_seq_max);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_batch_init", t);
        }
    }

    /** {@code void llama_batch_free(struct llama_batch batch);} */
    private static final class llama_batch_free {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(LlamaBatch.LAYOUT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_batch_free", DESC);
    }

    public static void llama_batch_free(MemorySegment batch) {
        try {
            llama_batch_free.HANDLE.invokeExact(batch);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_batch_free", t);
        }
    }

    /** {@code int32_t llama_decode(struct llama_context * ctx, struct llama_batch batch);} */
    private static final class llama_decode {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, LlamaBatch.LAYOUT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_decode", DESC);
    }

    public static int llama_decode(MemorySegment ctx, MemorySegment batch) {
        try {
            return (int) llama_decode.HANDLE.invokeExact(ctx, batch);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_decode", t);
        }
    }

    /** {@code float * llama_get_logits_ith(struct llama_context * ctx, int32_t i);} */
    private static final class llama_get_logits_ith {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_get_logits_ith", DESC);
    }

    public static MemorySegment llama_get_logits_ith(MemorySegment ctx, int i) {
        try {
            return (MemorySegment) llama_get_logits_ith.HANDLE.invokeExact(ctx, i);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_get_logits_ith", t);
        }
    }

    /** {@code enum llama_pooling_type llama_pooling_type(const struct llama_context * ctx);} */
    private static final class llama_pooling_type {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_pooling_type", DESC);
    }

    public static int llama_pooling_type(MemorySegment ctx) {
        try {
            return (int) llama_pooling_type.HANDLE.invokeExact(ctx);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_pooling_type", t);
        }
    }

    /** {@code float * llama_get_embeddings_ith(struct llama_context * ctx, int32_t i);} */
    private static final class llama_get_embeddings_ith {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_get_embeddings_ith", DESC);
    }

    public static MemorySegment llama_get_embeddings_ith(MemorySegment ctx, int i) {
        try {
            return (MemorySegment) llama_get_embeddings_ith.HANDLE.invokeExact(ctx, i);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_get_embeddings_ith", t);
        }
    }

    /** {@code float * llama_get_embeddings_seq(struct llama_context * ctx, llama_seq_id seq_id);} */
    private static final class llama_get_embeddings_seq {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_get_embeddings_seq", DESC);
    }

    public static MemorySegment llama_get_embeddings_seq(MemorySegment ctx, int seq_id) {
        try {
            return (MemorySegment) llama_get_embeddings_seq.HANDLE.invokeExact(ctx, seq_id);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_get_embeddings_seq", t);
        }
    }

    /** {@code llama_memory_t llama_get_memory(const struct llama_context * ctx);} */
    private static final class llama_get_memory {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_get_memory", DESC);
    }

    public static MemorySegment llama_get_memory(MemorySegment ctx) {
        try {
            return (MemorySegment) llama_get_memory.HANDLE.invokeExact(ctx);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_get_memory", t);
        }
    }

    /** {@code void llama_memory_clear(llama_memory_t mem, bool data);} */
    private static final class llama_memory_clear {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_BOOL);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_memory_clear", DESC);
    }

    public static void llama_memory_clear(MemorySegment mem, boolean data) {
        try {
            llama_memory_clear.HANDLE.invokeExact(mem, data);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_memory_clear", t);
        }
    }

    /** {@code bool llama_memory_seq_rm(llama_memory_t mem, llama_seq_id seq_id, llama_pos p0, llama_pos p1);} */
    private static final class llama_memory_seq_rm {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_BOOL, C_POINTER, C_INT, C_INT, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_memory_seq_rm", DESC);
    }

    public static boolean llama_memory_seq_rm(MemorySegment mem, int seq_id, int p0, int p1) {
        try {
            return (boolean) llama_memory_seq_rm.HANDLE.invokeExact(mem, seq_id, p0, p1);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_memory_seq_rm", t);
        }
    }

    /** {@code void llama_memory_seq_cp(llama_memory_t mem, llama_seq_id seq_id_src, llama_seq_id seq_id_dst, llama_pos p0, llama_pos p1);} */
    private static final class llama_memory_seq_cp {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_INT, C_INT, C_INT, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_memory_seq_cp", DESC);
    }

    public static void llama_memory_seq_cp(MemorySegment mem, int seq_id_src, int seq_id_dst, int p0, int p1) {
        try {
            llama_memory_seq_cp.HANDLE.invokeExact(mem, seq_id_src, seq_id_dst, p0, p1);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_memory_seq_cp", t);
        }
    }

    /** {@code void llama_set_n_threads(struct llama_context * ctx, int32_t n_threads, int32_t n_threads_batch);} */
    private static final class llama_set_n_threads {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_INT, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_set_n_threads", DESC);
    }

    public static void llama_set_n_threads(MemorySegment ctx, int n_threads, int n_threads_batch) {
        try {
            llama_set_n_threads.HANDLE.invokeExact(ctx, n_threads, n_threads_batch);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_set_n_threads", t);
        }
    }

    /** {@code void llama_attach_threadpool(struct llama_context * ctx, ggml_threadpool_t threadpool, ggml_threadpool_t threadpool_batch);} */
    private static final class llama_attach_threadpool {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_attach_threadpool", DESC);
    }

    public static void llama_attach_threadpool(MemorySegment ctx, MemorySegment threadpool, MemorySegment threadpool_batch) {
        try {
            llama_attach_threadpool.HANDLE.invokeExact(ctx, threadpool, threadpool_batch);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_attach_threadpool", t);
        }
    }

    /** {@code void llama_detach_threadpool(struct llama_context * ctx);} */
    private static final class llama_detach_threadpool {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_detach_threadpool", DESC);
    }

    public static void llama_detach_threadpool(MemorySegment ctx) {
        try {
            llama_detach_threadpool.HANDLE.invokeExact(ctx);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_detach_threadpool", t);
        }
    }
}
