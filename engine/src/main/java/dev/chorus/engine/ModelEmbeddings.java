package dev.chorus.engine;

import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.FlashAttention;
import dev.chorus.llama.Model;
import dev.chorus.llama.Pooling;
import dev.chorus.llama.Vocab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model's embeddings, as llama-server's {@code /v1/embeddings} computes them: llama.cpp pools the last hidden
 * states of the input's tokens the way the model's metadata says, or by their mean for a model that names no pooling
 * (a causal language model, which llama-server would need {@code --pooling mean} for), and the vector is L2-normalised.
 *
 * <p>The embedding context is made on first use: one sequence of up to {@link #MAX_TOKENS} tokens (at most the model's
 * slot context), all of it in one micro-batch, which mean pooling needs. It shares the model's threadpool, since it
 * decodes only on the step-loop thread between steps ({@link StepLoop}), so the two contexts never run a graph at once.
 * llama.cpp also computes the logits of every token of an embedding decode, so the context costs about
 * {@code MAX_TOKENS × vocabulary × 4} bytes beside its KV cache.
 */
final class ModelEmbeddings implements AutoCloseable {
    /** The most tokens one input may hold (with the model's slot context, whichever is less). */
    static final int MAX_TOKENS = 2048;
    /** The most inputs one request may hold: OpenAI's limit. */
    static final int MAX_INPUTS = 2048;
    /** The most tokens all inputs of one request may hold together: OpenAI's limit. */
    static final int MAX_REQUEST_TOKENS = 300_000;
    private static final int KV_PADDING = 256;

    private final String name;
    private final Model model;
    private final ModelThreads threads;
    private final int maxTokens;
    private final Pooling pooling;
    /** The most requests queued or running at once, and how many are. */
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private Context context;
    private Batch batch;

    ModelEmbeddings(String name, Model model, ModelThreads threads, int slotContext, int maxPending) {
        this.name = name;
        this.maxPending = maxPending;
        this.model = model;
        this.threads = threads;
        this.maxTokens = Math.min(slotContext, MAX_TOKENS);
        this.pooling = model.pooling().filter(own -> own != Pooling.NONE).orElse(Pooling.MEAN);
    }

    /** The most tokens one input may hold. */
    int maxTokens() {
        return maxTokens;
    }

    /** The length of the vectors. */
    int dimensions() {
        return model.embeddingOutputLength();
    }

    /** The pooling's name ({@code mean}, {@code cls}, {@code last}); empty for a reranker. */
    Optional<String> pooling() {
        return available() ? Optional.of(pooling.name().toLowerCase(Locale.ROOT)) : Optional.empty();
    }

    /** Whether the model has embeddings: every model but a reranker (whose pooling scores, not embeds). */
    boolean available() {
        return pooling != Pooling.RANK;
    }

    /**
     * The tokens of each input, checked against every rule before anything is queued (called on the request's thread).
     *
     * @throws InvalidRequest naming {@code input}: no inputs, too many, an empty one, a token outside the vocabulary,
     *                        or {@link ContextLengthExceeded} for an input longer than {@link #maxTokens()}
     */
    List<int[]> tokenize(List<EmbeddingInput> inputs) {
        if (!available()) {
            throw new InvalidRequest("model", "'" + name + "' is a reranking model (its pooling is rank): it scores"
                    + " pairs of texts and has no embeddings.");
        }
        if (inputs.isEmpty()) {
            throw new InvalidRequest("input", "'input' must hold at least one text or token array.");
        }
        if (inputs.size() > MAX_INPUTS) {
            throw new InvalidRequest("input", "'input' holds " + inputs.size() + " inputs; at most " + MAX_INPUTS
                    + " are allowed.");
        }
        Vocab vocab = model.vocab();
        List<int[]> tokenized = new ArrayList<>(inputs.size());
        long total = 0;
        for (int i = 0; i < inputs.size(); i++) {
            String which = inputs.size() == 1 ? "the input" : "input " + i;
            int[] tokens = switch (inputs.get(i)) {
                case EmbeddingInput.Text text when text.text().isEmpty() ->
                        throw new InvalidRequest("input", "'input' must not hold an empty string (" + which + ").");
                case EmbeddingInput.Text text -> vocab.tokenize(text.text(), true, true);
                case EmbeddingInput.Tokens given -> given.tokens();
            };
            if (tokens.length == 0) {
                throw new InvalidRequest("input", "'input' must not hold an empty token array (" + which + ").");
            }
            for (int token : tokens) {
                if (token < 0 || token >= vocab.size()) {
                    throw new InvalidRequest("input", "token " + token + " of " + which
                            + " is outside the vocabulary of " + vocab.size() + ".");
                }
            }
            if (tokens.length > maxTokens) {
                throw ContextLengthExceeded.ofInput(tokens.length, maxTokens, which, name);
            }
            total += tokens.length;
            if (total > MAX_REQUEST_TOKENS) {
                throw new InvalidRequest("input", "the inputs hold more than " + MAX_REQUEST_TOKENS
                        + " tokens together; split the request.");
            }
            tokenized.add(tokens);
        }
        return tokenized;
    }

    /**
     * Counts a request in until {@code result} completes, however it does.
     *
     * @throws OverloadedException when {@code maxPending} requests are queued or running already
     */
    void admit(CompletableFuture<?> result) {
        int now;
        do {
            now = pending.get();
            if (now >= maxPending) {
                throw new OverloadedException(name, now);
            }
        } while (!pending.compareAndSet(now, now + 1));
        result.whenComplete((value, failure) -> pending.decrementAndGet());
    }

    /** The normalised embedding of {@code tokens} (checked by {@link #tokenize}), decoded on {@code threadCount} threads. */
    float[] embed(int[] tokens, int threadCount) {
        open();
        context.setThreads(threadCount);
        batch.clear();
        for (int i = 0; i < tokens.length; i++) {
            batch.add(tokens[i], i, 0, true);
        }
        try {
            context.decode(batch);
            return normalised(context.sequenceEmbedding(0));
        } finally {
            context.memoryClear();
        }
    }

    private void open() {
        if (context != null) {
            return;
        }
        int cells = Math.ceilDiv(maxTokens, KV_PADDING) * KV_PADDING;
        Context created = model.newEmbeddingContext(new ContextParams(cells, maxTokens, maxTokens, 1,
                threads.poolThreads(), FlashAttention.AUTO), pooling);
        try {
            threads.attachTo(created);
            batch = created.newBatch(maxTokens);
        } catch (RuntimeException e) {
            created.close();
            throw e;
        }
        context = created;
    }

    /**
     * llama.cpp's {@code common_embd_normalize(…, 2)}, which llama-server applies by default, to the bit: the squares
     * in float summed in double, the inverse norm rounded to float; a zero vector stays zero.
     */
    static float[] normalised(float[] vector) {
        double sum = 0;
        for (float value : vector) {
            sum += value * value;
        }
        sum = Math.sqrt(sum);
        float scale = sum > 0 ? (float) (1.0 / sum) : 0f;
        float[] out = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            out[i] = vector[i] * scale;
        }
        return out;
    }

    @Override
    public void close() {
        if (context != null) {
            batch.close();
            context.close();
        }
    }
}
