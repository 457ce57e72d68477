package dev.chorus.server.http;

import dev.chorus.engine.ContextLengthExceeded;
import dev.chorus.engine.Embedding;
import dev.chorus.engine.EmbeddingInput;
import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.InvalidRequest;
import dev.chorus.engine.OverloadedException;
import dev.chorus.engine.ModelStats;
import dev.chorus.engine.SchedulerStats;
import dev.chorus.engine.ServedInfo;
import dev.chorus.engine.ServedModel;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The engine behind the HTTP API. Load is counted per collaboration from submission until the engine completes a
 * generation (it frees the slot as it does): the first {@code slots} of those hold a slot, the rest wait.
 */
final class EngineBackend implements CompletionBackend {
    private static final System.Logger LOG = System.getLogger(EngineBackend.class.getName());
    private final Engine engine;
    private final List<ServedModel> models;

    EngineBackend(Engine engine) {
        this.engine = engine;
        this.models = ServedModel.of(engine);
    }

    @Override
    public List<ServedModel> models() {
        return models;
    }

    @Override
    public Generation start(ServedModel model, GenerationRequest request) throws ApiException {
        try {
            return engine.submit(model.id(), request);
        } catch (RuntimeException e) {
            throw refusal(e);
        }
    }

    @Override
    public List<Embedding> embed(ServedModel model, List<EmbeddingInput> inputs, OptionalInt dimensions,
                                 Duration timeout) throws ApiException {
        CompletableFuture<List<Embedding>> result;
        try {
            result = engine.embed(model.id(), inputs, dimensions);
        } catch (RuntimeException e) {
            throw refusal(e);
        }
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            result.cancel(false);
            throw new ApiException(504, "timeout_error", null, "request_timeout",
                    "The request ran past the server's time limit and was cancelled.");
        } catch (InterruptedException e) {
            result.cancel(false);
            Thread.currentThread().interrupt();
            throw stopping();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalStateException) {
                throw stopping();
            }
            LOG.log(System.Logger.Level.ERROR, "embedding with " + model.id() + " failed", e.getCause());
            throw new ApiException(500, "server_error", null, "internal_error", "The embedding failed ("
                    + e.getCause().getClass().getSimpleName() + "); the server's log has the details.");
        }
    }

    /** What the engine's refusal of a request is in HTTP. */
    private static ApiException refusal(RuntimeException e) {
        return switch (e) {
            case OverloadedException overloaded -> ApiException.overloaded(overloaded.getMessage());
            case IllegalStateException _ -> stopping();
            case ContextLengthExceeded tooLong -> new ApiException(400, "invalid_request_error", tooLong.param(),
                    "context_length_exceeded", tooLong.getMessage());
            case InvalidRequest invalid -> ApiException.invalid(invalid);
            case IllegalArgumentException other -> new ApiException(400, "invalid_request_error", null,
                    "invalid_request", other.getMessage());
            default -> throw e;
        };
    }

    private static ApiException stopping() {
        return new ApiException(503, "server_error", null, "shutting_down", "The engine is stopping.");
    }

    @Override
    public ServedInfo info(ServedModel model) {
        return engine.info(model.id());
    }

    @Override
    public String llamaBuild() {
        return Engine.llamaBuild();
    }

    @Override
    public int[] tokenize(ServedModel model, String text, boolean addSpecial) throws ApiException {
        try {
            return engine.tokenize(model.id(), text, addSpecial);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidValue("model", e.getMessage());
        }
    }

    @Override
    public String piece(ServedModel model, int token) {
        return engine.piece(model.id(), token);
    }

    @Override
    public String detokenize(ServedModel model, int[] tokens) throws ApiException {
        try {
            return engine.detokenize(model.id(), tokens);
        } catch (InvalidRequest e) {
            throw ApiException.invalidValue(e.param(), e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidValue("model", e.getMessage());
        }
    }

    @Override
    public int contextTokens(ServedModel model) {
        return engine.slotContext(model.id());
    }

    @Override
    public byte[] tokenBytes(ServedModel model, int token) {
        return engine.tokenBytes(model.id(), token);
    }

    @Override
    public Map<String, String> unavailableModels() {
        return engine.unavailableModels();
    }

    @Override
    public Map<String, SchedulerStats> schedulerStats() {
        Map<String, SchedulerStats> stats = new LinkedHashMap<>();
        models.stream().filter(model -> !model.orchestrated())
                .forEach(model -> stats.put(model.id(), engine.stats(model.id())));
        return stats;
    }

    @Override
    public Map<String, ModelStats> modelStats() {
        Map<String, ModelStats> stats = new LinkedHashMap<>();
        engine.models().forEach(name -> stats.put(name, engine.modelStats(name)));
        return stats;
    }
}
