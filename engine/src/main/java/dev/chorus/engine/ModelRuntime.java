package dev.chorus.engine;

import dev.chorus.engine.config.ModelSpec;
import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.FlashAttention;
import dev.chorus.llama.Model;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/**
 * One model's share of the runtime: its single llama.cpp context, whose slots every collaboration using the model
 * draws from, the batch the step loop fills with the tokens of all of them, its threads ({@link ModelThreads}), and
 * the slots' cached prompts, and its embeddings ({@link ModelEmbeddings}). Driven by the step-loop thread;
 * {@link #stats()} and {@link #embeddings()}'s checks of a request may be used from any thread.
 */
final class ModelRuntime implements AutoCloseable {
    /** llama.cpp gives each sequence n_ctx / n_seq_max cells padded up to a multiple of 256; ask for that. */
    private static final int KV_PADDING = 256;

    private final String name;
    private final Model model;
    private final int slotContext;
    private final ModelThreads threads;
    private final Context context;
    private final Batch batch;
    private final SlotTable slots;
    private final ModelEmbeddings embeddings;
    private final LongAdder decodes = new LongAdder();
    private final LongAdder decodedTokens = new LongAdder();
    private final LongAdder sharedDecodes = new LongAdder();
    private final LongAdder cachedTokens = new LongAdder();
    /** The collaboration whose token was first added to this step's batch, or null; {@link #mixed} once another joins. */
    private Object firstUser;
    private boolean mixed;
    private volatile int busySlots;

    /**
     * @param budgetThreads the process's CPU budget: the pool's size, so a model decoding alone may use all of it
     * @param batchTokens   the most tokens one step puts in this model's batch
     * @param maxQueued     requests that may wait beyond those running (the scheduler's {@code max_queued}); this
     *                      model takes as many embedding requests at once as it has slots and that
     */
    ModelRuntime(ModelSpec spec, Model model, int budgetThreads, int batchTokens, int maxQueued) {
        this.name = spec.name();
        this.model = model;
        this.threads = new ModelThreads(spec, budgetThreads);
        int cellsPerSlot = Math.ceilDiv(spec.contextSize(), KV_PADDING) * KV_PADDING;
        ContextParams params = new ContextParams(cellsPerSlot * spec.slots(), batchTokens, Math.min(batchTokens, 512),
                spec.slots(), threads.poolThreads(), FlashAttention.AUTO);
        Context created = null;
        try {
            created = model.newContext(params);
            threads.attachTo(created);
            // llama.cpp caps the batch at the context size; plan with what is in force.
            this.batch = created.newBatch(Math.min(batchTokens, created.batchSize()));
        } catch (RuntimeException e) {
            if (created != null) {
                created.close();
            }
            threads.close();
            throw e;
        }
        this.context = created;
        this.slotContext = spec.contextSize();
        this.slots = new SlotTable(spec.slots(), spec.contextSize());
        this.embeddings = new ModelEmbeddings(name, model, threads, spec.contextSize(), spec.slots() + maxQueued);
    }

    String name() {
        return name;
    }

    Model model() {
        return model;
    }

    int slotCount() {
        return slots.slots();
    }

    /** The most prompt and sampled tokens one sequence holds. */
    int slotContext() {
        return slotContext;
    }

    ModelEmbeddings embeddings() {
        return embeddings;
    }

    /** The normalised embedding of {@code tokens}, decoded on this model's {@code share} of the budget. */
    float[] embed(int[] tokens, int share) {
        return embeddings.embed(tokens, threads.forShare(share));
    }

    int freeSlots() {
        return slots.free();
    }

    /** Threads this model's decodes use: its configured number, else its share of the budget. */
    int threadsFor(int share) {
        return threads.forShare(share);
    }

    /** The free slot that caches the longest prefix of {@code prompt} (any free slot when {@code reuse} is off). */
    int chooseSlot(int[] prompt, boolean reuse) {
        return slots.choose(prompt, reuse);
    }

    int cachedPrefix(int slot, int[] prompt) {
        return slots.commonPrefix(slot, prompt);
    }

    /**
     * Takes {@code slot} keeping its first {@code kept} cached tokens and dropping the rest of its cells.
     *
     * @return false when llama.cpp cannot cut the sequence there (the slot is then taken empty)
     */
    boolean take(int slot, int kept) {
        boolean cut = kept == 0 || context.seqRemove(slot, kept, Integer.MAX_VALUE);
        if (!cut || kept == 0) {
            context.seqRemove(slot, 0, Integer.MAX_VALUE);
        }
        slots.take(slot, cut ? kept : 0);
        busySlots = slots.busy();
        return cut;
    }

    /** Drops the cells of positions {@code from} and later in {@code slot} (rejected speculative positions). */
    void trim(int slot, int from) {
        if (!context.seqRemove(slot, from, Integer.MAX_VALUE)) {
            throw new IllegalStateException("llama.cpp cannot remove positions " + from + "+ of sequence " + slot
                    + " of model '" + name + "'");
        }
    }

    /** Drops every cell of a taken slot (its partner slots in other models could not keep the shared prefix). */
    void forget(int slot) {
        context.seqRemove(slot, 0, Integer.MAX_VALUE);
    }

    /** Counts prompt tokens a sequence took from the cache instead of prefilling them. */
    void countCached(int tokens) {
        cachedTokens.add(tokens);
    }

    /** Frees a slot whose cells hold {@code tokens[0, length)}; {@code length} 0 forgets them. */
    void release(int slot, int[] tokens, int length) {
        if (length == 0) {
            context.seqRemove(slot, 0, Integer.MAX_VALUE);
        }
        slots.release(slot, tokens, length);
        busySlots = slots.busy();
    }

    void clearBatch() {
        batch.clear();
        firstUser = null;
        mixed = false;
    }

    /** Adds one token of {@code user}'s sequence in {@code slot}; returns its batch index. */
    int add(Object user, int token, int position, int slot, boolean wantLogits) {
        if (firstUser == null) {
            firstUser = user;
        } else if (firstUser != user) {
            mixed = true;
        }
        batch.add(token, position, slot, wantLogits);
        return batch.size() - 1;
    }

    int batchSize() {
        return batch.size();
    }

    int batchCapacity() {
        return batch.capacity();
    }

    boolean hasWork() {
        return batch.size() > 0;
    }

    /** Decodes this step's batch on {@code threads} of the pool. */
    void decode(int threads) {
        context.setThreads(threads);
        context.decode(batch);
        decodes.increment();
        decodedTokens.add(batch.size());
        if (mixed) {
            sharedDecodes.increment();
        }
    }

    /** The logits of batch entry {@code index} of the last decode. */
    MemorySegment logits(int index) {
        return context.logits(index);
    }

    ModelInfo info() {
        return new ModelInfo(name, model.file(), model.description(), model.parameterCount(), model.sizeBytes(),
                model.trainedContext(), model.embeddingLength(), model.layerCount(), model.vocab().size(),
                slots.slots(), slotContext, embeddings.pooling(), embeddings.maxTokens());
    }

    ModelStats stats() {
        return new ModelStats(model.openContexts(), slots.slots(), busySlots, context.kvCacheBytes(), decodes.sum(), decodedTokens.sum(),
                sharedDecodes.sum(), cachedTokens.sum());
    }

    @Override
    public void close() {
        embeddings.close();
        batch.close();
        context.close();
        threads.close();
    }
}
