package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_BOOL;
import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;
import static dev.chorus.llama.internal.NativeTypes.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Process-wide llama.cpp functions: version, backends, logging, system information.
 * One holder class per function creates its descriptor and downcall handle once, on first use
 * (jextract's shape); each method's Javadoc is the C declaration it binds.
 */
public final class LlamaCore {

    private LlamaCore() {}

    /** {@code const char * llama_version(void);} */
    private static final class llama_version {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_version", DESC);
    }

    public static MemorySegment llama_version() {
        try {
            return (MemorySegment) llama_version.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_version", t);
        }
    }

    /** {@code void llama_backend_init(void);} */
    private static final class llama_backend_init {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid();
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_backend_init", DESC);
    }

    public static void llama_backend_init() {
        try {
            llama_backend_init.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_backend_init", t);
        }
    }

    /** {@code void llama_backend_free(void);} */
    private static final class llama_backend_free {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid();
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_backend_free", DESC);
    }

    public static void llama_backend_free() {
        try {
            llama_backend_free.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_backend_free", t);
        }
    }

    /** {@code void ggml_backend_load_all_from_path(const char * dir_path);} */
    private static final class ggml_backend_load_all_from_path {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_backend_load_all_from_path", DESC);
    }

    public static void ggml_backend_load_all_from_path(MemorySegment dir_path) {
        try {
            ggml_backend_load_all_from_path.HANDLE.invokeExact(dir_path);
        } catch (Throwable t) {
            throw Invocation.rethrow("ggml_backend_load_all_from_path", t);
        }
    }

    /** {@code const char * llama_print_system_info(void);} */
    private static final class llama_print_system_info {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_print_system_info", DESC);
    }

    public static MemorySegment llama_print_system_info() {
        try {
            return (MemorySegment) llama_print_system_info.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_print_system_info", t);
        }
    }

    /** {@code void llama_log_set(ggml_log_callback log_callback, void * user_data);} */
    private static final class llama_log_set {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_log_set", DESC);
    }

    public static void llama_log_set(MemorySegment log_callback, MemorySegment user_data) {
        try {
            llama_log_set.HANDLE.invokeExact(log_callback, user_data);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_log_set", t);
        }
    }

    /** {@code int32_t llama_chat_apply_template(const char * tmpl, const struct llama_chat_message * chat, size_t n_msg, bool add_ass, char * buf, int32_t length);} */
    private static final class llama_chat_apply_template {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_SIZE_T, C_BOOL, C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_chat_apply_template", DESC);
    }

    public static int llama_chat_apply_template(MemorySegment tmpl, MemorySegment chat, long n_msg, boolean add_ass, MemorySegment buf, int length) {
        try {
            return (int) llama_chat_apply_template.HANDLE.invokeExact(tmpl, chat, n_msg, add_ass, buf, length);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_chat_apply_template", t);
        }
    }
}
