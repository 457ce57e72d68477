package dev.chorus.server.http;

import dev.chorus.engine.ContextLengthExceeded;
import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.InvalidRequest;
import dev.chorus.engine.OverloadedException;
import dev.chorus.engine.ModelStats;
import dev.chorus.engine.SchedulerStats;
import dev.chorus.engine.ServedModel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine behind the HTTP API. Load is counted per collaboration from submission until the engine completes a
 * generation (it frees the slot as it does): the first {@code slots} of those hold a slot, the rest wait.
 */
final class EngineBackend implements CompletionBackend {
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
        } catch (OverloadedException e) {
            throw ApiException.overloaded(e.getMessage());
        } catch (IllegalStateException e) {
            throw new ApiException(503, "server_error", null, "shutting_down", "The engine is stopping.");
        } catch (ContextLengthExceeded e) {
            throw new ApiException(400, "invalid_request_error", e.param(), "context_length_exceeded", e.getMessage());
        } catch (InvalidRequest e) {
            throw ApiException.invalid(e);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "invalid_request_error", null, "invalid_request", e.getMessage());
        }
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
