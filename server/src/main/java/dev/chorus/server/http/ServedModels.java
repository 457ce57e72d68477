package dev.chorus.server.http;

import dev.chorus.engine.ServedModel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The served names, looked up by what a client sent. */
final class ServedModels {
    private final Map<String, ServedModel> byId = new LinkedHashMap<>();

    ServedModels(List<ServedModel> models) {
        for (ServedModel model : models) {
            if (byId.putIfAbsent(model.id(), model) != null) {
                throw new IllegalArgumentException("two served models are named " + model.id());
            }
        }
    }

    List<ServedModel> list() {
        return List.copyOf(byId.values());
    }

    Set<String> ids() {
        return byId.keySet();
    }

    /** @throws ApiException 404 {@code model_not_found} */
    ServedModel find(String id) throws ApiException {
        ServedModel model = byId.get(id);
        if (model == null) {
            throw ApiException.unknownModel(id);
        }
        return model;
    }
}
