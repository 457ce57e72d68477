package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_LONG_LONG;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;
import static dev.chorus.llama.internal.NativeTypes.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;

/**
 * The functions of {@code struct llama_model}: loading, freeing, metadata.
 * One holder class per function creates its descriptor and downcall handle once, on first use
 * (jextract's shape); each method's Javadoc is the C declaration it binds.
 */
public final class LlamaModels {

    private LlamaModels() {}

    /** {@code struct llama_model_params llama_model_default_params(void);} */
    private static final class llama_model_default_params {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(LlamaModelParams.LAYOUT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_default_params", DESC);
    }

    public static MemorySegment llama_model_default_params(SegmentAllocator allocator) {
        try {
            return (MemorySegment) llama_model_default_params.HANDLE.invokeExact((SegmentAllocator) allocator);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_default_params", t);
        }
    }

    /** {@code struct llama_model * llama_model_load_from_file(const char * path_model, struct llama_model_params params);} */
    private static final class llama_model_load_from_file {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, LlamaModelParams.LAYOUT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_load_from_file", DESC);
    }

    public static MemorySegment llama_model_load_from_file(MemorySegment path_model, MemorySegment params) {
        try {
            return (MemorySegment) llama_model_load_from_file.HANDLE.invokeExact(path_model, params);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_load_from_file", t);
        }
    }

    /** {@code void llama_model_free(struct llama_model * model);} */
    private static final class llama_model_free {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_free", DESC);
    }

    public static void llama_model_free(MemorySegment model) {
        try {
            llama_model_free.HANDLE.invokeExact(model);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_free", t);
        }
    }

    /** {@code const struct llama_vocab * llama_model_get_vocab(const struct llama_model * model);} */
    private static final class llama_model_get_vocab {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_get_vocab", DESC);
    }

    public static MemorySegment llama_model_get_vocab(MemorySegment model) {
        try {
            return (MemorySegment) llama_model_get_vocab.HANDLE.invokeExact(model);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_get_vocab", t);
        }
    }

    /** {@code int32_t llama_model_meta_val_str(const struct llama_model * model, const char * key, char * buf, size_t buf_size);} */
    private static final class llama_model_meta_val_str {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_SIZE_T);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_meta_val_str", DESC);
    }

    public static int llama_model_meta_val_str(MemorySegment model, MemorySegment key, MemorySegment buf, long buf_size) {
        try {
            return (int) llama_model_meta_val_str.HANDLE.invokeExact(model, key, buf, buf_size);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_meta_val_str", t);
        }
    }

    /** {@code int32_t llama_model_n_embd(const struct llama_model * model);} */
    private static final class llama_model_n_embd {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_n_embd", DESC);
    }

    public static int llama_model_n_embd(MemorySegment model) {
        try {
            return (int) llama_model_n_embd.HANDLE.invokeExact(model);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_n_embd", t);
        }
    }

    /** {@code int32_t llama_model_n_embd_out(const struct llama_model * model);} */
    private static final class llama_model_n_embd_out {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_n_embd_out", DESC);
    }

    public static int llama_model_n_embd_out(MemorySegment model) {
        try {
            return (int) llama_model_n_embd_out.HANDLE.invokeExact(model);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_n_embd_out", t);
        }
    }

    /** {@code int32_t llama_model_n_ctx_train(const struct llama_model * model);} */
    private static final class llama_model_n_ctx_train {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_n_ctx_train", DESC);
    }

    public static int llama_model_n_ctx_train(MemorySegment model) {
        try {
            return (int) llama_model_n_ctx_train.HANDLE.invokeExact(model);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_n_ctx_train", t);
        }
    }

    /** {@code int32_t llama_model_n_layer(const struct llama_model * model);} */
    private static final class llama_model_n_layer {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_n_layer", DESC);
    }

    public static int llama_model_n_layer(MemorySegment model) {
        try {
            return (int) llama_model_n_layer.HANDLE.invokeExact(model);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_n_layer", t);
        }
    }

    /** {@code int32_t llama_model_desc(const struct llama_model * model, char * buf, size_t buf_size);} */
    private static final class llama_model_desc {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_SIZE_T);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_desc", DESC);
    }

    public static int llama_model_desc(MemorySegment model, MemorySegment buf, long buf_size) {
        try {
            return (int) llama_model_desc.HANDLE.invokeExact(model, buf, buf_size);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_desc", t);
        }
    }

    /** {@code uint64_t llama_model_size(const struct llama_model * model);} */
    private static final class llama_model_size {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_size", DESC);
    }

    public static long llama_model_size(MemorySegment model) {
        try {
            return (long) llama_model_size.HANDLE.invokeExact(model);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_size", t);
        }
    }

    /** {@code uint64_t llama_model_n_params(const struct llama_model * model);} */
    private static final class llama_model_n_params {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_LONG_LONG, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_n_params", DESC);
    }

    public static long llama_model_n_params(MemorySegment model) {
        try {
            return (long) llama_model_n_params.HANDLE.invokeExact(model);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_n_params", t);
        }
    }

    /** {@code const char * llama_model_chat_template(const struct llama_model * model, const char * name);} */
    private static final class llama_model_chat_template {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_model_chat_template", DESC);
    }

    public static MemorySegment llama_model_chat_template(MemorySegment model, MemorySegment name) {
        try {
            return (MemorySegment) llama_model_chat_template.HANDLE.invokeExact(model, name);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_model_chat_template", t);
        }
    }
}
