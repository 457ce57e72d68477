package dev.chorus.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The inputs of one embedding request, embedded one decode at a time by the step loop; its result completes once the
 * last is done. Cancelling the result drops the inputs not embedded yet.
 */
final class EmbeddingJob {
    private final ModelRuntime model;
    private final List<int[]> inputs;
    private final List<Embedding> done;
    private final CompletableFuture<List<Embedding>> result = new CompletableFuture<>();

    EmbeddingJob(ModelRuntime model, List<int[]> inputs) {
        this.model = model;
        this.inputs = List.copyOf(inputs);
        this.done = new ArrayList<>(inputs.size());
    }

    CompletableFuture<List<Embedding>> result() {
        return result;
    }

    /** Whether the result was completed or cancelled: nothing more to embed. */
    boolean finished() {
        return result.isDone();
    }

    /** Embeds the next input on the model's {@code share} of the budget; completes the result after the last. */
    void embedNext(int share) {
        int[] tokens = inputs.get(done.size());
        done.add(new Embedding(model.embed(tokens, share), tokens.length));
        if (done.size() == inputs.size()) {
            result.complete(List.copyOf(done));
        }
    }

    void fail(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
