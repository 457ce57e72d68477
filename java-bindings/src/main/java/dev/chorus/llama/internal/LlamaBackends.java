package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_POINTER;
import static dev.chorus.llama.internal.NativeTypes.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * ggml's backend registry (ggml-backend.h, v0.5.0): backends by name, their devices, and the RPC
 * backend's {@code ggml_backend_rpc_add_server}, which ggml exports only through
 * {@code ggml_backend_reg_get_proc_address} (the backend may be a loadable module).
 */
public final class LlamaBackends {

    private LlamaBackends() {}

    /** {@code ggml_backend_reg_t ggml_backend_reg_by_name(const char * name);} NULL when absent. */
    private static final class ggml_backend_reg_by_name {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_backend_reg_by_name", DESC);
    }

    public static MemorySegment ggml_backend_reg_by_name(MemorySegment name) {
        try {
            return (MemorySegment) ggml_backend_reg_by_name.HANDLE.invokeExact(name);
        } catch (Throwable t) {
            throw Invocation.rethrow("ggml_backend_reg_by_name", t);
        }
    }

    /** {@code void * ggml_backend_reg_get_proc_address(ggml_backend_reg_t reg, const char * name);} */
    private static final class ggml_backend_reg_get_proc_address {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_backend_reg_get_proc_address", DESC);
    }

    public static MemorySegment ggml_backend_reg_get_proc_address(MemorySegment reg, MemorySegment name) {
        try {
            return (MemorySegment) ggml_backend_reg_get_proc_address.HANDLE.invokeExact(reg, name);
        } catch (Throwable t) {
            throw Invocation.rethrow("ggml_backend_reg_get_proc_address", t);
        }
    }

    /** {@code size_t ggml_backend_reg_dev_count(ggml_backend_reg_t reg);} */
    private static final class ggml_backend_reg_dev_count {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_SIZE_T, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_backend_reg_dev_count", DESC);
    }

    public static long ggml_backend_reg_dev_count(MemorySegment reg) {
        try {
            return (long) ggml_backend_reg_dev_count.HANDLE.invokeExact(reg);
        } catch (Throwable t) {
            throw Invocation.rethrow("ggml_backend_reg_dev_count", t);
        }
    }

    /** {@code ggml_backend_dev_t ggml_backend_reg_dev_get(ggml_backend_reg_t reg, size_t index);} */
    private static final class ggml_backend_reg_dev_get {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_SIZE_T);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_backend_reg_dev_get", DESC);
    }

    public static MemorySegment ggml_backend_reg_dev_get(MemorySegment reg, long index) {
        try {
            return (MemorySegment) ggml_backend_reg_dev_get.HANDLE.invokeExact(reg, index);
        } catch (Throwable t) {
            throw Invocation.rethrow("ggml_backend_reg_dev_get", t);
        }
    }

    /** {@code size_t llama_max_devices(void);} the length llama.cpp reads of {@code tensor_split}. */
    private static final class llama_max_devices {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_SIZE_T);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_max_devices", DESC);
    }

    public static long llama_max_devices() {
        try {
            return (long) llama_max_devices.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_max_devices", t);
        }
    }

    /** {@code ggml_backend_reg_t ggml_backend_rpc_add_server(const char * endpoint);} at {@code address}. */
    private static final FunctionDescriptor RPC_ADD_SERVER = FunctionDescriptor.of(C_POINTER, C_POINTER);

    public static MemorySegment ggml_backend_rpc_add_server(MemorySegment address, MemorySegment endpoint) {
        try {
            return (MemorySegment) Linker.nativeLinker().downcallHandle(address, RPC_ADD_SERVER).invokeExact(endpoint);
        } catch (Throwable t) {
            throw Invocation.rethrow("ggml_backend_rpc_add_server", t);
        }
    }
}
