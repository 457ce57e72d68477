package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaContextParams;
import dev.chorus.llama.internal.LlamaContexts;
import dev.chorus.llama.internal.LogBridge;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A decoding context ({@code struct llama_context}): the memory (KV cache) of up to
 * {@link #sequences()} sequences and the logits of the last {@link #decode}; an embedding context
 * ({@link Model#newEmbeddingContext}) also has the embeddings of every token of it, or of each of its sequences
 * pooled. llama.cpp contexts are
 * not thread-safe, so the methods that reach one are synchronized (a member is normally driven by one
 * thread anyway). Close it before its model.
 */
public final class Context extends NativeResource {

    private static final Pattern KV_CACHE_SIZE = Pattern.compile("^llama_kv_cache: size = +([0-9.]+) MiB");

    private final Model model;
    private final ContextParams params;
    private final MemorySegment handle;
    private final MemorySegment memory;
    private final int vocabSize;
    private final int contextSize;
    private final int batchSize;
    private final int sequences;
    private final long kvCacheBytes;
    /** How an embedding context pools; empty for a context that only has logits. */
    private final Optional<Pooling> pooling;
    private final int embeddingLength;
    private int threads;
    private ThreadPool threadPool;
    /** Which entries of the last decoded batch have logits; logits of others do not exist. */
    private boolean[] lastOutputs = new boolean[0];
    /** Which sequences the last decoded batch held; pooled embeddings of others do not exist. */
    private boolean[] lastSequences = new boolean[0];

    private Context(Model model, ContextParams params, MemorySegment created, long kvCacheBytes,
            Optional<Pooling> pooling) {
        this.model = model;
        this.params = params;
        this.handle = created.reinterpret(arena, LlamaContexts::llama_free);
        this.memory = LlamaContexts.llama_get_memory(handle);
        this.vocabSize = model.vocab().size();
        // llama.cpp may round the requested sizes; these are the ones in force.
        this.contextSize = LlamaContexts.llama_n_ctx(handle);
        this.batchSize = LlamaContexts.llama_n_batch(handle);
        this.sequences = LlamaContexts.llama_n_seq_max(handle);
        this.kvCacheBytes = kvCacheBytes;
        this.threads = params.threads();
        this.pooling = pooling;
        this.embeddingLength = model.embeddingOutputLength();
    }

    /** @param pooling present for an embedding context: every token of a decode is output, and pooled so */
    static Context create(Model model, ContextParams params, Optional<Pooling> pooling) {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(pooling, "pooling");
        if (model.params().vocabOnly()) {
            throw new IllegalStateException(model.describe() + " was loaded vocabulary-only; it cannot decode");
        }
        MemorySegment[] created = new MemorySegment[1];
        List<String> log;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment nativeParams = LlamaContexts.llama_context_default_params(call);
            LlamaContextParams.n_ctx(nativeParams, params.contextSize());
            LlamaContextParams.n_batch(nativeParams, params.batchSize());
            LlamaContextParams.n_ubatch(nativeParams, params.ubatchSize());
            LlamaContextParams.n_seq_max(nativeParams, params.sequences());
            LlamaContextParams.n_threads(nativeParams, params.threads());
            LlamaContextParams.n_threads_batch(nativeParams, params.threads());
            LlamaContextParams.flash_attn_type(nativeParams, params.flashAttention().nativeValue);
            LlamaContextParams.embeddings(nativeParams, pooling.isPresent());
            pooling.ifPresent(chosen -> LlamaContextParams.pooling_type(nativeParams, chosen.nativeValue));
            LogBridge.clearLastError();
            log = LogBridge.linesDuring(
                    () -> created[0] = LlamaContexts.llama_init_from_model(model.handle(), nativeParams));
        }
        if (created[0].equals(MemorySegment.NULL)) {
            throw new LlamaException("llama.cpp could not create a context for " + model.describe() + " with "
                    + params + Status.lastLoggedError());
        }
        model.contextOpened();
        Context context = new Context(model, params, created[0], kvCacheBytes(log), pooling);
        if (pooling.isPresent() && !Pooling.ofNative(LlamaContexts.llama_pooling_type(context.handle)).equals(pooling)) {
            context.close();
            throw new LlamaException("llama.cpp did not take pooling " + pooling.get() + " for a context of "
                    + model.describe());
        }
        return context;
    }

    /** llama.cpp reports a new context's KV cache only in its log: {@code llama_kv_cache: size = 8.00 MiB (...)}. */
    private static long kvCacheBytes(List<String> log) {
        long bytes = 0;
        for (String line : log) {
            Matcher matcher = KV_CACHE_SIZE.matcher(line);
            if (matcher.find()) {
                bytes += Math.round(Double.parseDouble(matcher.group(1)) * 1024 * 1024);
            }
        }
        return bytes;
    }

    /** A batch for this context (or any with the same vocabulary and at least as many sequences). */
    public Batch newBatch(int capacity) {
        ensureOpen();
        if (capacity > batchSize) {
            throw new IllegalArgumentException("batch capacity " + capacity + " exceeds the context's batch size " + batchSize);
        }
        return new Batch(capacity, vocabSize, sequences);
    }

    /**
     * Runs the model on the batch, adding its tokens to the sequences' memory.
     *
     * @throws LlamaCallException with llama.cpp's status, e.g. 1 when the memory is full
     * @throws dev.chorus.llama.rpc.RpcServerLostException when an rpc-server the model runs on was lost
     */
    public synchronized void decode(Batch batch) {
        ensureOpen();
        Objects.requireNonNull(batch, "batch");
        MemorySegment struct = batch.struct();
        if (batch.size() == 0) {
            throw new IllegalArgumentException("cannot decode an empty batch");
        }
        if (batch.size() > batchSize) {
            throw new IllegalArgumentException("batch of " + batch.size() + " tokens exceeds the context's batch size " + batchSize);
        }
        if (batch.vocabSize() != vocabSize || batch.sequences() > sequences) {
            throw new IllegalArgumentException("batch was made for " + batch.vocabSize() + " tokens and "
                    + batch.sequences() + " sequences; this context has " + vocabSize + " and " + sequences);
        }
        // Mean and CLS pooling see a sequence whole only within one micro-batch (llama-server refuses longer inputs
        // alike); a longer batch would pool each piece apart and keep the last piece's vector.
        if (pooling.isPresent() && pooling.get() != Pooling.NONE && pooling.get() != Pooling.LAST
                && batch.size() > params.ubatchSize()) {
            throw new IllegalArgumentException("a batch of " + batch.size() + " tokens exceeds the micro-batch of "
                    + params.ubatchSize() + " that " + pooling.get() + " pooling must see at once");
        }
        boolean[] outputs = new boolean[batch.size()];
        for (int i = 0; i < outputs.length; i++) {
            // An embedding context outputs every token, whatever the batch asked.
            outputs[i] = pooling.isPresent() || batch.wantsLogits(i);
        }
        lastOutputs = new boolean[0];
        lastSequences = new boolean[0];
        model.checkDevices();
        LogBridge.clearLastError();
        Status.check(LlamaContexts.llama_decode(handle, struct), "llama_decode");
        // A server lost during the decode leaves placeholder logits: they must not be read.
        model.checkDevices();
        lastOutputs = outputs;
        lastSequences = batch.sequencesUsed();
    }

    /**
     * The logits of entry {@code index} of the last decoded batch: a read-only view of
     * {@code vocabSize} floats, valid until the next decode or close.
     */
    public synchronized MemorySegment logits(int index) {
        ensureOpen();
        Objects.checkIndex(index, lastOutputs.length);
        if (!lastOutputs[index]) {
            throw new IllegalArgumentException("entry " + index + " of the last batch did not ask for logits");
        }
        MemorySegment logits = LlamaContexts.llama_get_logits_ith(handle, index);
        if (logits.equals(MemorySegment.NULL)) {
            throw new LlamaException("llama_get_logits_ith returned NULL for entry " + index + Status.lastLoggedError());
        }
        return logits.reinterpret(vocabSize * ValueLayout.JAVA_FLOAT.byteSize(), arena, null).asReadOnly();
    }

    /** A copy of {@link #logits(int)}. */
    public float[] logitsArray(int index) {
        return logits(index).toArray(ValueLayout.JAVA_FLOAT);
    }

    /** Copies {@link #logits(int)} into {@code destination} (of {@link #vocabSize()} floats), allocating nothing. */
    public void copyLogits(int index, float[] destination) {
        if (Objects.requireNonNull(destination, "destination").length != vocabSize) {
            throw new IllegalArgumentException("destination holds " + destination.length + " floats, the vocabulary " + vocabSize);
        }
        MemorySegment.copy(logits(index), ValueLayout.JAVA_FLOAT, 0, destination, 0, vocabSize);
    }

    /**
     * The pooled embedding of {@code sequence} from the last decode, which must have held it: a copy of
     * {@link Model#embeddingOutputLength()} floats, as llama.cpp computed them (not normalised).
     */
    public synchronized float[] sequenceEmbedding(int sequence) {
        ensureOpen();
        Pooling pooled = requireEmbeddings();
        if (pooled == Pooling.NONE || pooled == Pooling.RANK) {
            throw new IllegalStateException("a context with pooling " + pooled + " has no sequence embeddings");
        }
        checkSequence(sequence);
        if (sequence >= lastSequences.length || !lastSequences[sequence]) {
            throw new IllegalArgumentException("the last decoded batch did not hold sequence " + sequence);
        }
        return embedding(LlamaContexts.llama_get_embeddings_seq(handle, sequence), "llama_get_embeddings_seq", sequence);
    }

    /**
     * The embedding of entry {@code index} of the last decoded batch in a context without pooling ({@link Pooling#NONE}):
     * a copy of {@link Model#embeddingOutputLength()} floats.
     */
    public synchronized float[] tokenEmbedding(int index) {
        ensureOpen();
        if (requireEmbeddings() != Pooling.NONE) {
            throw new IllegalStateException("a context with pooling " + pooling.get() + " has no per-token embeddings");
        }
        Objects.checkIndex(index, lastOutputs.length);
        return embedding(LlamaContexts.llama_get_embeddings_ith(handle, index), "llama_get_embeddings_ith", index);
    }

    /** How this embedding context pools; empty for a context made by {@link Model#newContext}. */
    public Optional<Pooling> pooling() {
        return pooling;
    }

    private Pooling requireEmbeddings() {
        return pooling.orElseThrow(() -> new IllegalStateException(
                "this context has no embeddings; make one with Model.newEmbeddingContext"));
    }

    private float[] embedding(MemorySegment vector, String function, int argument) {
        if (vector.equals(MemorySegment.NULL)) {
            throw new LlamaException(function + " returned NULL for " + argument + Status.lastLoggedError());
        }
        return vector.reinterpret(embeddingLength * ValueLayout.JAVA_FLOAT.byteSize()).toArray(ValueLayout.JAVA_FLOAT);
    }

    /**
     * Attaches a persistent threadpool for every later decode (single-token and batch alike), replacing any
     * attached before; the number of threads used becomes at most the pool's.
     */
    public synchronized void attach(ThreadPool pool) {
        ensureOpen();
        Objects.requireNonNull(pool, "pool");
        LlamaContexts.llama_attach_threadpool(handle, pool.handle(), pool.handle());
        pool.attached();
        if (threadPool != null) {
            threadPool.detached();
        }
        threadPool = pool;
        setThreads(Math.min(threads, pool.threads()));
    }

    /** Threads the next decodes use: 1 to the attached pool's size (or any positive number without a pool). */
    public synchronized void setThreads(int count) {
        ensureOpen();
        int most = threadPool == null ? Integer.MAX_VALUE : threadPool.threads();
        if (count < 1 || count > most) {
            throw new IllegalArgumentException("threads must be 1 to " + most + ", got " + count);
        }
        if (count != threads) {
            LlamaContexts.llama_set_n_threads(handle, count, count);
            threads = count;
        }
    }

    public synchronized int threads() {
        return threads;
    }

    /** The bytes of KV cache llama.cpp allocated for this context (0 for a model without one). */
    public long kvCacheBytes() {
        return kvCacheBytes;
    }

    /** Forgets every sequence. */
    public synchronized void memoryClear() {
        ensureOpen();
        LlamaContexts.llama_memory_clear(memory, true);
        lastOutputs = new boolean[0];
        lastSequences = new boolean[0];
    }

    /**
     * Removes positions {@code [fromPosition, toPosition)} of a sequence;
     * {@code toPosition = Integer.MAX_VALUE} removes the rest.
     *
     * @return false when llama.cpp cannot remove part of a sequence (recurrent models); removing a
     *     whole sequence never fails
     */
    public synchronized boolean seqRemove(int sequence, int fromPosition, int toPosition) {
        ensureOpen();
        checkSequence(sequence);
        if (fromPosition < 0 || toPosition < fromPosition) {
            throw new IllegalArgumentException(
                    "positions must satisfy 0 <= from <= to, got [" + fromPosition + ", " + toPosition + ")");
        }
        return LlamaContexts.llama_memory_seq_rm(memory, sequence, fromPosition, toNative(toPosition));
    }

    /**
     * Makes {@code destination} a copy of the whole of {@code source} (its previous content is
     * dropped). Whole sequences only: each sequence has its own memory stream here, and llama.cpp
     * aborts the process on a partial copy between streams.
     */
    public synchronized void seqCopy(int source, int destination) {
        ensureOpen();
        checkSequence(source);
        checkSequence(destination);
        LlamaContexts.llama_memory_seq_cp(memory, source, destination, -1, -1);
    }

    public Model model() {
        return model;
    }

    public ContextParams params() {
        return params;
    }

    /** Tokens of memory in force (llama.cpp may round the request up). */
    public int contextSize() {
        return contextSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public int sequences() {
        return sequences;
    }

    public int vocabSize() {
        return vocabSize;
    }

    private void checkSequence(int sequence) {
        if (sequence < 0 || sequence >= sequences) {
            throw new IllegalArgumentException("sequence id " + sequence + " is outside [0, " + sequences + ")");
        }
    }

    /** llama.cpp spells "to the end" as a negative position; INT_MAX would overflow in its checks. */
    private static int toNative(int toPosition) {
        return toPosition == Integer.MAX_VALUE ? -1 : toPosition;
    }

    @Override
    void afterClose() {
        if (threadPool != null) {
            threadPool.detached();
        }
        model.contextClosed();
    }

    @Override
    String describe() {
        return "context of " + model.describe();
    }
}
