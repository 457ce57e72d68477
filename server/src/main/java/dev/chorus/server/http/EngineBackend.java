package dev.chorus.server.http;

import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.OverloadedException;
import dev.chorus.engine.SchedulerStats;
import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.MemberSpec;
import dev.chorus.llama.Vocab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The engine behind the HTTP API. Load is counted per collaboration from submission until the engine completes a
 * generation (it frees the slot as it does): the first {@code slots} of those hold a slot, the rest wait.
 */
final class EngineBackend implements CompletionBackend {
    private final Engine engine;
    private final List<ServedModel> models;
    private final Map<String, AtomicReferenceArray<byte[]>> pieces = new LinkedHashMap<>();

    EngineBackend(Engine engine) {
        this.engine = engine;
        this.models = engine.collaborations().stream()
                .map(name -> servedModel(engine.config().collaboration(name)))
                .toList();
        for (ServedModel model : models) {
            pieces.put(model.id(), new AtomicReferenceArray<>(engine.vocab(model.id()).size()));
        }
    }

    private static ServedModel servedModel(CollaborationSpec spec) {
        List<MemberSpec> members = spec.members();
        return new ServedModel(spec.name(), spec.kind().configName(), spec.method(),
                members.stream().map(MemberSpec::model).toList(),
                members.stream().map(member -> (double) member.weight()).toList());
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
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "invalid_request_error", null, "invalid_request", e.getMessage());
        }
    }

    @Override
    public int contextTokens(ServedModel model) {
        return engine.slotContext(model.id());
    }

    @Override
    public byte[] tokenBytes(ServedModel model, int token) {
        AtomicReferenceArray<byte[]> cache = pieces.get(model.id());
        if (token < 0 || token >= cache.length()) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + cache.length());
        }
        byte[] piece = cache.get(token);
        if (piece == null) {
            Vocab vocab = engine.vocab(model.id());
            piece = vocab.pieceBytes(token, false);
            cache.set(token, piece);
        }
        return piece;
    }

    @Override
    public Map<String, SchedulerStats> schedulerStats() {
        Map<String, SchedulerStats> stats = new LinkedHashMap<>();
        models.forEach(model -> stats.put(model.id(), engine.stats(model.id())));
        return stats;
    }
}
