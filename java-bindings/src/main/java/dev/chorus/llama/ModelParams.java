package dev.chorus.llama;

import dev.chorus.llama.rpc.RpcEndpoint;
import java.util.List;

/**
 * How to load a model.
 *
 * @param gpuLayers   layers to offload to the GPU (or to the RPC servers): 0 for none, {@link #ALL_LAYERS} for all
 * @param mmap        map the file instead of reading it into memory
 * @param vocabOnly   load the vocabulary and metadata only, no weights (no context can be created)
 * @param rpcServers  {@code rpc-server}s whose devices take the offloaded layers instead of the local GPUs;
 *                    empty for none (see {@link RpcDevices})
 * @param tensorSplit the share of the layers of each RPC device, in order; empty for llama.cpp's default
 *                    (proportional to each device's free memory)
 */
public record ModelParams(int gpuLayers, boolean mmap, boolean vocabOnly, List<RpcEndpoint> rpcServers,
                          List<Double> tensorSplit) {

    /** llama.cpp's "every layer" (a negative {@code n_gpu_layers}). */
    public static final int ALL_LAYERS = -1;

    public ModelParams {
        if (gpuLayers < ALL_LAYERS) {
            throw new IllegalArgumentException("gpuLayers must be >= 0 or ALL_LAYERS (-1), got " + gpuLayers);
        }
        rpcServers = List.copyOf(rpcServers);
        tensorSplit = List.copyOf(tensorSplit);
        if (rpcServers.size() != rpcServers.stream().distinct().count()) {
            throw new IllegalArgumentException("an rpc-server is named twice: " + rpcServers);
        }
        if (!tensorSplit.isEmpty() && rpcServers.isEmpty()) {
            throw new IllegalArgumentException("tensorSplit splits layers over RPC devices; no rpcServers are given");
        }
        if (tensorSplit.stream().anyMatch(share -> !(share >= 0) || share.isInfinite())
                || (!tensorSplit.isEmpty() && tensorSplit.stream().mapToDouble(Double::doubleValue).sum() <= 0)) {
            throw new IllegalArgumentException("tensorSplit shares must be finite, >= 0 and not all 0, got " + tensorSplit);
        }
    }

    /** Local devices only. */
    public ModelParams(int gpuLayers, boolean mmap, boolean vocabOnly) {
        this(gpuLayers, mmap, vocabOnly, List.of(), List.of());
    }

    /** Weights on the CPU, file memory-mapped. */
    public static ModelParams cpu() {
        return new ModelParams(0, true, false);
    }

    /** The vocabulary and metadata only. */
    public static ModelParams vocabularyOnly() {
        return new ModelParams(0, true, true);
    }

    /** Every layer on the devices of {@code servers}, split as llama.cpp chooses. */
    public static ModelParams onRpcServers(List<RpcEndpoint> servers) {
        return new ModelParams(ALL_LAYERS, true, false, servers, List.of());
    }
}
