package dev.chorus.engine;

import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.Model;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The llama.cpp contexts of one collaboration, one per distinct model, each with {@code slots} sequences and one
 * batch. Every step the same tokens go into every context's batch, so a batch index means the same token in all of
 * them; {@link #decodeAll()} runs the decodes in parallel on one platform thread per context. Used by the
 * collaboration's scheduler thread only.
 */
final class MemberDecoders implements AutoCloseable {
    private final List<Context> contexts = new ArrayList<>();
    private final List<Batch> batches = new ArrayList<>();
    private final ExecutorService executor;
    private final List<Callable<Void>> decodes = new ArrayList<>();

    MemberDecoders(String collaboration, List<Model> models, List<ContextParams> params) {
        try {
            for (int i = 0; i < models.size(); i++) {
                Context context = models.get(i).newContext(params.get(i));
                contexts.add(context);
                // llama.cpp caps the batch at the context size; plan with what is in force.
                batches.add(context.newBatch(Math.min(params.get(i).batchSize(), context.batchSize())));
                decodes.add(decodeTask(context, batches.get(i)));
            }
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
        AtomicInteger threads = new AtomicInteger();
        executor = contexts.size() == 1 ? null : Executors.newFixedThreadPool(contexts.size(), task -> {
            Thread thread = new Thread(task, "chorus-" + collaboration + "-decode-" + threads.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
    }

    void clear() {
        batches.forEach(Batch::clear);
    }

    /** Adds one token of sequence {@code slot} to every context's batch; returns its batch index. */
    int add(int token, int position, int slot, boolean wantLogits) {
        for (Batch batch : batches) {
            batch.add(token, position, slot, wantLogits);
        }
        return batches.getFirst().size() - 1;
    }

    /** Tokens already in this step's batches. */
    int batchSize() {
        return batches.getFirst().size();
    }

    /** The most tokens one step's batches hold. */
    int capacity() {
        return batches.stream().mapToInt(Batch::capacity).min().orElseThrow();
    }

    /** Decodes every context's batch, in parallel when there are several; rethrows the first failure. */
    void decodeAll() throws InterruptedException {
        if (executor == null) {
            contexts.getFirst().decode(batches.getFirst());
            return;
        }
        RuntimeException failure = null;
        for (Future<Void> done : executor.invokeAll(decodes)) {
            try {
                done.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException runtime ? runtime
                            : new IllegalStateException("decode failed", e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The logits of batch entry {@code index} in context {@code context}, valid until the next decode. */
    MemorySegment logits(int context, int index) {
        return contexts.get(context).logits(index);
    }

    /** Frees every KV cell of sequence {@code slot} in every context. */
    void release(int slot) {
        for (Context context : contexts) {
            context.seqRemove(slot, 0, Integer.MAX_VALUE);
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
        closeAll();
    }

    private void closeAll() {
        batches.forEach(Batch::close);
        contexts.forEach(Context::close);
    }

    private static Callable<Void> decodeTask(Context context, Batch batch) {
        return () -> {
            context.decode(batch);
            return null;
        };
    }
}
