package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaModelParams;
import dev.chorus.llama.internal.LlamaModels;
import dev.chorus.llama.internal.LogBridge;
import dev.chorus.llama.internal.NativeTypes;
import dev.chorus.llama.rpc.RpcServerLostException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A loaded GGUF model ({@code struct llama_model}). Thread-safe to read from; close it after every
 * {@link Context} made from it is closed.
 */
public final class Model extends NativeResource {

    private final Path file;
    private final ModelParams params;
    private final MemorySegment handle;
    private final Vocab vocab;
    private final Optional<RpcDevices> rpc;
    private int openContexts;

    private Model(Path file, ModelParams params, MemorySegment loaded, Optional<RpcDevices> rpc) {
        this.file = file;
        this.params = params;
        this.rpc = rpc;
        this.handle = loaded.reinterpret(arena, LlamaModels::llama_model_free);
        this.vocab = new Vocab(this, LlamaModels.llama_model_get_vocab(handle).reinterpret(arena, null));
    }

    /**
     * Loads a GGUF file.
     *
     * @throws IllegalArgumentException when the file does not exist or cannot be read
     * @throws LlamaException when llama.cpp cannot load it (the message carries llama.cpp's error)
     */
    public static Model load(Path file, ModelParams params) {
        Objects.requireNonNull(params, "params");
        Path path = Objects.requireNonNull(file, "file").toAbsolutePath();
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException("model file " + path + " does not exist or cannot be read");
        }
        Llama.init();
        Optional<RpcDevices> rpc = params.rpcServers().isEmpty() || params.vocabOnly() ? Optional.empty()
                : Optional.of(RpcDevices.connect("model " + path.getFileName(), fileSize(path), params));
        MemorySegment loaded;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment nativeParams = LlamaModels.llama_model_default_params(call);
            LlamaModelParams.n_gpu_layers(nativeParams, params.gpuLayers());
            LlamaModelParams.load_mode(nativeParams,
                    params.mmap() ? LlamaModelParams.LOAD_MODE_MMAP : LlamaModelParams.LOAD_MODE_NONE);
            LlamaModelParams.vocab_only(nativeParams, params.vocabOnly());
            if (rpc.isPresent()) {
                LlamaModelParams.devices(nativeParams, rpc.get().deviceArray(call));
                if (!params.tensorSplit().isEmpty()) {
                    LlamaModelParams.tensor_split(nativeParams, RpcDevices.tensorSplit(call, params.tensorSplit()));
                }
            }
            LogBridge.clearLastError();
            loaded = LlamaModels.llama_model_load_from_file(call.allocateFrom(path.toString()), nativeParams);
        } catch (RuntimeException e) {
            rpc.ifPresent(RpcDevices::close);
            throw e;
        }
        if (loaded.equals(MemorySegment.NULL)) {
            rpc.ifPresent(RpcDevices::close);
            throw new LlamaException("llama.cpp could not load " + path + Status.lastLoggedError());
        }
        Model model = new Model(path, params, loaded, rpc);
        Optional<String> lost = rpc.flatMap(RpcDevices::lostServer);
        if (lost.isPresent()) {
            model.close();
            throw new RpcServerLostException("loading " + path.getFileName() + " failed: " + lost.get());
        }
        return model;
    }

    /**
     * Fails when an {@code rpc-server} this model's layers run on was lost (its weights there are gone).
     *
     * @throws RpcServerLostException naming the server and why
     */
    public void checkDevices() {
        rpc.ifPresent(devices -> devices.checkAlive(describe()));
    }

    /** Why this model cannot decode, when an rpc-server it runs on was lost; empty while it can. */
    public Optional<String> unavailableReason() {
        return rpc.flatMap(RpcDevices::lostServer);
    }

    /** Bytes this model exchanged with its rpc-servers so far (0 without any). */
    public long rpcBytes() {
        return rpc.map(RpcDevices::bytesTransferred).orElse(0L);
    }

    private static long fileSize(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the size of model file " + path + ": " + e.getMessage(), e);
        }
    }

    /** A context for decoding with this model. */
    public Context newContext(ContextParams contextParams) {
        return Context.create(this, contextParams, Optional.empty());
    }

    /**
     * A context whose decodes output the embedding of every token, pooled per sequence as {@code pooling} says
     * ({@link Context#sequenceEmbedding}, or {@link Context#tokenEmbedding} for {@link Pooling#NONE}).
     */
    public Context newEmbeddingContext(ContextParams contextParams, Pooling pooling) {
        return Context.create(this, contextParams, Optional.of(Objects.requireNonNull(pooling, "pooling")));
    }

    /**
     * The pooling the model's metadata asks for ({@code <architecture>.pooling_type}, set by embedding and reranking
     * models); empty for a model without one, such as a causal language model.
     */
    public Optional<Pooling> pooling() {
        return metadata("general.architecture")
                .flatMap(architecture -> metadata(architecture + ".pooling_type"))
                .flatMap(value -> {
                    try {
                        return Pooling.ofNative(Integer.parseInt(value.strip()));
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                });
    }

    public Vocab vocab() {
        ensureOpen();
        return vocab;
    }

    public Path file() {
        return file;
    }

    public ModelParams params() {
        return params;
    }

    /** A GGUF metadata value as text, e.g. {@code general.architecture}; empty when absent. */
    public Optional<String> metadata(String key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment nativeKey = call.allocateFrom(key);
            NativeBuffers.Filled value = NativeBuffers.lengthReturned(call, 256,
                    (buffer, size) -> LlamaModels.llama_model_meta_val_str(handle, nativeKey, buffer, size));
            return value.length() < 0 ? Optional.empty() : Optional.of(value.string());
        }
    }

    /** llama.cpp's one-line description, e.g. {@code llama ?B F16}. */
    public String description() {
        ensureOpen();
        try (Arena call = Arena.ofConfined()) {
            NativeBuffers.Filled description = NativeBuffers.lengthReturned(call, 128,
                    (buffer, size) -> LlamaModels.llama_model_desc(handle, buffer, size));
            return description.string();
        }
    }

    /** The bytes of all tensors. */
    public long sizeBytes() {
        ensureOpen();
        return LlamaModels.llama_model_size(handle);
    }

    public long parameterCount() {
        ensureOpen();
        return LlamaModels.llama_model_n_params(handle);
    }

    public int embeddingLength() {
        ensureOpen();
        return LlamaModels.llama_model_n_embd(handle);
    }

    /** The length of the model's output embeddings (of {@link Context#sequenceEmbedding}); usually {@link #embeddingLength()}. */
    public int embeddingOutputLength() {
        ensureOpen();
        return LlamaModels.llama_model_n_embd_out(handle);
    }

    /** The context length the model was trained with. */
    public int trainedContext() {
        ensureOpen();
        return LlamaModels.llama_model_n_ctx_train(handle);
    }

    public int layerCount() {
        ensureOpen();
        return LlamaModels.llama_model_n_layer(handle);
    }

    /** The model's default chat template from its metadata; empty when it has none. */
    public Optional<ChatTemplate> chatTemplate() {
        ensureOpen();
        return Optional.ofNullable(NativeTypes.string(LlamaModels.llama_model_chat_template(handle, MemorySegment.NULL)))
                .map(ChatTemplate::new);
    }

    MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    /** The contexts made from this model and not yet closed. */
    public synchronized int openContexts() {
        return openContexts;
    }

    synchronized void contextOpened() {
        ensureOpen();
        openContexts++;
    }

    synchronized void contextClosed() {
        openContexts--;
    }

    @Override
    void checkCanClose() {
        if (openContexts > 0) {
            throw new IllegalStateException("close the " + openContexts + " open context(s) of " + describe() + " first");
        }
    }

    @Override
    void afterClose() {
        rpc.ifPresent(RpcDevices::close);
    }

    @Override
    String describe() {
        return "model " + file.getFileName();
    }
}
