package dev.chorus.engine;

import dev.chorus.engine.config.ModelSpec;
import dev.chorus.llama.Model;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loaded models, each once however many collaborations use it. Owns them: closing the registry closes every
 * model, after the contexts made from them are closed.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelRegistry.class.getName());
    private final Map<String, Model> models = new LinkedHashMap<>();

    /**
     * Loads the models, each once; on a failure closes those already loaded and rethrows. Merged models must be
     * merged first ({@link dev.chorus.engine.merge.MergedModels#prepare}).
     */
    public static ModelRegistry load(Collection<ModelSpec> specs) {
        specs.stream().filter(ModelSpec::awaitsMerge).findFirst().ifPresent(spec -> {
            throw new IllegalStateException("model '" + spec.name() + "' is merged from " + spec.path()
                    + ": prepare the config with MergedModels.prepare before loading it");
        });
        ModelRegistry registry = new ModelRegistry();
        try {
            int index = 0;
            for (ModelSpec spec : specs) {
                index++;
                LOG.log(System.Logger.Level.INFO, "loading model {0}/{1} ''{2}'' from {3} ({4})",
                        index, specs.size(), spec.name(), spec.path(), spec.rpc().isEmpty()
                                ? spec.gpuLayers() + " GPU layers" : "layers on rpc-servers " + spec.rpc());
                long started = System.nanoTime();
                Model model = Model.load(spec.path(), spec.loadParams());
                registry.models.put(spec.name(), model);
                LOG.log(System.Logger.Level.INFO, "loaded ''{0}'': {1} in {2} ms", spec.name(), model.description(),
                        (System.nanoTime() - started) / 1_000_000);
            }
            return registry;
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    /** The loaded model of that name, valid until the registry closes. */
    public Model get(String name) {
        Model model = models.get(name);
        if (model == null) {
            throw new IllegalArgumentException("no loaded model named '" + name + "'");
        }
        return model;
    }

    /** The models that cannot decode because an rpc-server they run on was lost, with why; empty while all can. */
    public Map<String, String> unavailable() {
        Map<String, String> lost = new LinkedHashMap<>();
        models.forEach((name, model) -> model.unavailableReason().ifPresent(why -> lost.put(name, why)));
        return lost;
    }

    List<Model> get(List<String> names) {
        return names.stream().map(this::get).toList();
    }

    @Override
    public void close() {
        models.values().forEach(Model::close);
    }
}
