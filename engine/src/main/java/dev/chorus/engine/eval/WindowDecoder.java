package dev.chorus.engine.eval;

import dev.chorus.engine.CpuBudget;
import dev.chorus.engine.ModelThreads;
import dev.chorus.engine.config.ModelSpec;
import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.FlashAttention;
import dev.chorus.llama.Model;

import dev.chorus.engine.adaptive.TokenLogprob;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * One model's context for perplexity: each window is decoded from an empty memory in one batch, with logits for
 * every position, so the logits of position p predict token p + 1. Remembers how long its decodes took.
 */
final class WindowDecoder implements AutoCloseable {
    private final String name;
    private final ModelThreads threads;
    private final CpuBudget budget;
    private final Context context;
    private final Batch batch;
    private final Map<Float, double[]> targetLogprobs = new HashMap<>();
    private int[] decoded = new int[0];
    private long decodeNanos;

    /** @param budget the CPU budget the evaluator's decodes (one model at a time) share */
    WindowDecoder(String name, Model model, ModelSpec spec, int window, CpuBudget budget) {
        this.name = name;
        this.budget = budget;
        this.threads = new ModelThreads(spec, budget.threads());
        try {
            this.context = model.newContext(new ContextParams(window, window, window, 1, threads.poolThreads(),
                    FlashAttention.AUTO));
        } catch (RuntimeException e) {
            threads.close();
            throw e;
        }
        try {
            threads.attachTo(context);
            if (context.contextSize() < window || context.batchSize() < window) {
                throw new IllegalStateException("llama.cpp gave model '" + name + "' a context of "
                        + context.contextSize() + " tokens and batches of " + context.batchSize() + ", not " + window);
            }
            this.batch = context.newBatch(window);
        } catch (RuntimeException e) {
            context.close();
            threads.close();
            throw e;
        }
    }

    String name() {
        return name;
    }

    /** Clears the memory and decodes {@code tokens} (at most the window) at positions 0.., all with logits. */
    void decode(int[] tokens) {
        if (tokens.length > batch.capacity()) {
            throw new IllegalArgumentException("a window of " + tokens.length + " tokens exceeds the "
                    + batch.capacity() + " model '" + name + "' was opened for");
        }
        long started = System.nanoTime();
        context.setThreads(threads.forShare(budget.share(1)));
        context.memoryClear();
        batch.clear();
        for (int position = 0; position < tokens.length; position++) {
            batch.add(tokens[position], position, 0, true);
        }
        context.decode(batch);
        decoded = tokens.clone();
        targetLogprobs.clear();
        decodeNanos += System.nanoTime() - started;
    }

    /** The logits after position {@code position} of the last window, valid until the next decode. */
    MemorySegment logits(int position) {
        return context.logits(position);
    }

    /**
     * This model's log-probability at {@code temperature} of each next token of the last window (entry p: token
     * p + 1 given tokens 0..p), computed once per window and temperature however many collaborations ask.
     */
    double[] targetLogprobs(float temperature, int vocabSize) {
        return targetLogprobs.computeIfAbsent(temperature, t -> {
            double[] logprobs = new double[decoded.length - 1];
            for (int p = 0; p < logprobs.length; p++) {
                logprobs[p] = TokenLogprob.of(logits(p), vocabSize, t, decoded[p + 1]);
            }
            return logprobs;
        });
    }

    /** The time spent decoding so far. */
    long decodeNanos() {
        return decodeNanos;
    }

    @Override
    public void close() {
        batch.close();
        context.close();
        threads.close();
    }
}
