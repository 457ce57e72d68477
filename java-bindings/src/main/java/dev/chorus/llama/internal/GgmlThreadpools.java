package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import dev.chorus.llama.LlamaException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * ggml's CPU threadpools ({@code ggml-cpu.h}). The CPU backend is a library ggml loads at run time (one variant per
 * instruction set), so {@code ggml_threadpool_new} and {@code ggml_threadpool_free} are found as llama.cpp's own
 * {@code common} code finds them: through {@code ggml_backend_reg_get_proc_address} on the CPU backend's registry.
 * The parameter struct comes from {@code libggml-base}.
 */
public final class GgmlThreadpools {

    private GgmlThreadpools() {}

    /** {@code GGML_MAX_N_THREADS} in ggml v0.5.0: the length of the CPU mask. */
    private static final int GGML_MAX_N_THREADS = 512;
    /** {@code enum ggml_backend_dev_type}: {@code GGML_BACKEND_DEVICE_TYPE_CPU}. */
    private static final int GGML_BACKEND_DEVICE_TYPE_CPU = 0;

    /** {@code struct ggml_threadpool_params}: cpumask, n_threads, prio, poll, strict_cpu, paused. */
    public static final StructLayout PARAMS = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(GGML_MAX_N_THREADS, ValueLayout.JAVA_BOOLEAN).withName("cpumask"),
            ValueLayout.JAVA_INT.withName("n_threads"),
            ValueLayout.JAVA_INT.withName("prio"),
            ValueLayout.JAVA_INT.withName("poll"),
            ValueLayout.JAVA_BOOLEAN.withName("strict_cpu"),
            ValueLayout.JAVA_BOOLEAN.withName("paused"),
            MemoryLayout.paddingLayout(2));
    private static final long POLL_OFFSET = PARAMS.byteOffset(MemoryLayout.PathElement.groupElement("poll"));

    /** {@code void ggml_threadpool_params_init(struct ggml_threadpool_params * p, int n_threads);} */
    private static final class ggml_threadpool_params_init {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_threadpool_params_init", DESC);
    }

    /** The CPU backend's {@code ggml_threadpool_new} and {@code ggml_threadpool_free}, found once. */
    private static final class CpuBackend {
        static final MethodHandle NEW = cpuFunction("ggml_threadpool_new", FunctionDescriptor.of(C_POINTER, C_POINTER));
        static final MethodHandle FREE = cpuFunction("ggml_threadpool_free", FunctionDescriptor.ofVoid(C_POINTER));
    }

    /** {@code ggml_backend_dev_t ggml_backend_dev_by_type(enum ggml_backend_dev_type type);} */
    private static final class ggml_backend_dev_by_type {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_backend_dev_by_type", DESC);
    }

    /** {@code ggml_backend_reg_t ggml_backend_dev_backend_reg(ggml_backend_dev_t device);} */
    private static final class ggml_backend_dev_backend_reg {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_backend_dev_backend_reg", DESC);
    }

    /** {@code void * ggml_backend_reg_get_proc_address(ggml_backend_reg_t reg, const char * name);} */
    private static final class ggml_backend_reg_get_proc_address {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.ggml("ggml_backend_reg_get_proc_address", DESC);
    }

    /**
     * A new threadpool of {@code threads} workers (the caller's thread is worker 0) that poll for work at
     * {@code poll} (0: wait on a condition variable between graphs, 100: spin).
     *
     * @return the pool, never NULL
     */
    public static MemorySegment ggml_threadpool_new(int threads, int poll) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment params = call.allocate(PARAMS);
            ggml_threadpool_params_init.HANDLE.invokeExact(params, threads);
            params.set(ValueLayout.JAVA_INT, POLL_OFFSET, poll);
            MemorySegment pool = (MemorySegment) CpuBackend.NEW.invokeExact(params);
            if (pool.equals(MemorySegment.NULL)) {
                throw new LlamaException("ggml_threadpool_new returned NULL for " + threads + " threads");
            }
            return pool;
        } catch (Throwable t) {
            throw Invocation.rethrow("ggml_threadpool_new", t);
        }
    }

    /** {@code void ggml_threadpool_free(struct ggml_threadpool * threadpool);} */
    public static void ggml_threadpool_free(MemorySegment pool) {
        try {
            CpuBackend.FREE.invokeExact(pool);
        } catch (Throwable t) {
            throw Invocation.rethrow("ggml_threadpool_free", t);
        }
    }

    private static MethodHandle cpuFunction(String name, FunctionDescriptor descriptor) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment device = (MemorySegment) ggml_backend_dev_by_type.HANDLE.invokeExact(GGML_BACKEND_DEVICE_TYPE_CPU);
            if (device.equals(MemorySegment.NULL)) {
                throw new LlamaException("ggml has no CPU backend loaded (ggml_backend_load_all_from_path not run?)");
            }
            MemorySegment registry = (MemorySegment) ggml_backend_dev_backend_reg.HANDLE.invokeExact(device);
            MemorySegment address = (MemorySegment) ggml_backend_reg_get_proc_address.HANDLE.invokeExact(registry,
                    call.allocateFrom(name));
            if (address.equals(MemorySegment.NULL)) {
                throw new LlamaException("ggml's CPU backend does not export " + name);
            }
            return Linker.nativeLinker().downcallHandle(address, descriptor);
        } catch (Throwable t) {
            throw Invocation.rethrow(name, t);
        }
    }
}
