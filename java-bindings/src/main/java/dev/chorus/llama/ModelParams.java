package dev.chorus.llama;

/**
 * How to load a model.
 *
 * @param gpuLayers layers to offload to the GPU: 0 for none, {@link #ALL_LAYERS} for all
 * @param mmap map the file instead of reading it into memory
 * @param vocabOnly load the vocabulary and metadata only, no weights (no context can be created)
 */
public record ModelParams(int gpuLayers, boolean mmap, boolean vocabOnly) {

    /** llama.cpp's "every layer" (a negative {@code n_gpu_layers}). */
    public static final int ALL_LAYERS = -1;

    public ModelParams {
        if (gpuLayers < ALL_LAYERS) {
            throw new IllegalArgumentException("gpuLayers must be >= 0 or ALL_LAYERS (-1), got " + gpuLayers);
        }
    }

    /** Weights on the CPU, file memory-mapped. */
    public static ModelParams cpu() {
        return new ModelParams(0, true, false);
    }

    /** The vocabulary and metadata only. */
    public static ModelParams vocabularyOnly() {
        return new ModelParams(0, true, true);
    }
}
