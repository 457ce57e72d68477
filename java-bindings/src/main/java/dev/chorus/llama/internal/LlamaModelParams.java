package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_BOOL;
import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code struct llama_model_params} (llama.h, v0.5.0): 80 bytes, passed and returned by value. */
public final class LlamaModelParams {

    /** {@code enum llama_load_mode}: LLAMA_LOAD_MODE_NONE reads the file into memory, _MMAP maps it. */
    public static final int LOAD_MODE_NONE = 0;
    public static final int LOAD_MODE_MMAP = 1;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            C_POINTER.withName("devices"),                      // ggml_backend_dev_t * devices;
            C_POINTER.withName("tensor_buft_overrides"),        // const struct llama_model_tensor_buft_override *
            C_INT.withName("n_gpu_layers"),                     // int32_t n_gpu_layers;
            C_INT.withName("split_mode"),                       // enum llama_split_mode split_mode;
            C_INT.withName("load_mode"),                        // enum llama_load_mode load_mode;
            C_INT.withName("lazy_mode"),                        // enum llama_lazy_mode lazy_mode;
            C_INT.withName("main_gpu"),                         // int32_t main_gpu;
            MemoryLayout.paddingLayout(4),
            C_POINTER.withName("tensor_split"),                 // const float * tensor_split;
            C_POINTER.withName("progress_callback"),            // llama_progress_callback progress_callback;
            C_POINTER.withName("progress_callback_user_data"),  // void * progress_callback_user_data;
            C_POINTER.withName("kv_overrides"),                 // const struct llama_model_kv_override * kv_overrides;
            C_BOOL.withName("vocab_only"),                      // bool vocab_only;
            C_BOOL.withName("check_tensors"),                   // bool check_tensors;
            C_BOOL.withName("use_extra_bufts"),                 // bool use_extra_bufts;
            C_BOOL.withName("no_host"),                         // bool no_host;
            C_BOOL.withName("no_alloc"),                        // bool no_alloc;
            C_BOOL.withName("load_mtp"),                        // bool load_mtp;
            MemoryLayout.paddingLayout(2))
            .withName("llama_model_params");

    private static final long DEVICES = NativeTypes.offset(LAYOUT, "devices", 0);
    private static final long TENSOR_SPLIT = NativeTypes.offset(LAYOUT, "tensor_split", 40);
    private static final long N_GPU_LAYERS = NativeTypes.offset(LAYOUT, "n_gpu_layers", 16);
    private static final long LOAD_MODE = NativeTypes.offset(LAYOUT, "load_mode", 24);
    private static final long VOCAB_ONLY = NativeTypes.offset(LAYOUT, "vocab_only", 72);

    static {
        NativeTypes.requireSize(LAYOUT, 80);
    }

    private LlamaModelParams() {}

    /** Sets {@code devices}: a NULL-terminated array of {@code ggml_backend_dev_t}, alive while the model loads. */
    public static void devices(MemorySegment params, MemorySegment value) {
        params.set(C_POINTER, DEVICES, value);
    }

    /** Sets {@code tensor_split}: {@code llama_max_devices()} floats, alive while the model loads. */
    public static void tensor_split(MemorySegment params, MemorySegment value) {
        params.set(C_POINTER, TENSOR_SPLIT, value);
    }

    public static int n_gpu_layers(MemorySegment params) {
        return params.get(C_INT, N_GPU_LAYERS);
    }

    public static void n_gpu_layers(MemorySegment params, int value) {
        params.set(C_INT, N_GPU_LAYERS, value);
    }

    public static int load_mode(MemorySegment params) {
        return params.get(C_INT, LOAD_MODE);
    }

    public static void load_mode(MemorySegment params, int value) {
        params.set(C_INT, LOAD_MODE, value);
    }

    public static boolean vocab_only(MemorySegment params) {
        return params.get(C_BOOL, VOCAB_ONLY);
    }

    public static void vocab_only(MemorySegment params, boolean value) {
        params.set(C_BOOL, VOCAB_ONLY, value);
    }
}
