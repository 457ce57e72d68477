package dev.chorus.server.http;

import dev.chorus.engine.Embedding;
import dev.chorus.engine.EmbeddingInput;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.ModelStats;
import dev.chorus.engine.SchedulerStats;
import dev.chorus.engine.ServedInfo;
import dev.chorus.engine.ServedModel;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What the HTTP layer needs from the engine. {@link EngineBackend} is the implementation; the seam exists so that
 * a protocol state the real engine cannot be made to show on demand (a full admission queue) can be tested.
 */
interface CompletionBackend {

    /** Every model and collaboration served, in config order. */
    List<ServedModel> models();

    /**
     * Admits one choice of a request; the engine generates it while the returned handle hands out its events.
     *
     * @throws ApiException 400 for a request the collaboration cannot run (a prompt longer than its context),
     *                      429 when its admission queue is full, 503 when the engine is closed
     */
    Generation start(ServedModel model, GenerationRequest request) throws ApiException;

    /**
     * Embeds each input with the model {@code model} resolves to, waiting at most {@code timeout}.
     *
     * @throws ApiException 400 for a name without embeddings or inputs it cannot embed ({@code context_length_exceeded}
     *                      for an input longer than it embeds), 429 when it has all the embedding requests it takes,
     *                      503 when the engine is stopping, 504 past the timeout, 500 when llama.cpp failed
     */
    List<Embedding> embed(ServedModel model, List<EmbeddingInput> inputs, OptionalInt dimensions, Duration timeout)
            throws ApiException;

    /** What a served name is ({@code /props}). */
    ServedInfo info(ServedModel model);

    /** The llama.cpp build the engine runs on ({@code /props}' {@code build_info}). */
    String llamaBuild();

    /** The most prompt plus completion tokens one request of {@code model} may use: the default {@code max_tokens}. */
    int contextTokens(ServedModel model);

    /** The model's tokens of {@code text} ({@code /tokenize}). */
    int[] tokenize(ServedModel model, String text, boolean addSpecial) throws ApiException;

    /** Token {@code token}'s text, special tokens rendered. */
    String piece(ServedModel model, int token);

    /** The text of {@code tokens} ({@code /detokenize}). */
    String detokenize(ServedModel model, int[] tokens) throws ApiException;

    /** A token's exact piece bytes (OpenAI's {@code bytes} of a log-probability). */
    byte[] tokenBytes(ServedModel model, int token);

    /** Each served model's scheduler: its load now and its work since start. */
    Map<String, SchedulerStats> schedulerStats();

    /** Each loaded model's shared context: slots, KV cache, decodes and cached prompt tokens. */
    Map<String, ModelStats> modelStats();

    /** Models that cannot decode (an rpc-server they run on was lost), with why. */
    default Map<String, String> unavailableModels() {
        return Map.of();
    }

    /** Requests waiting for a slot, over every model. */
    default int queueDepth() {
        return schedulerStats().values().stream().mapToInt(SchedulerStats::queued).sum();
    }

    /** Sequences holding a slot, over every model. */
    default int activeSequences() {
        return schedulerStats().values().stream().mapToInt(SchedulerStats::active).sum();
    }
}
