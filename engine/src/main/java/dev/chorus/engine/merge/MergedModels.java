package dev.chorus.engine.merge;

import dev.chorus.engine.config.ConfigException;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.ModelSpec;
import dev.chorus.engine.config.SchedulerSpec;
import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeBackends;
import dev.chorus.kernels.merge.MergeKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Makes the merged models of a config ({@code merge: recipe.yaml}) before the models load: each recipe is merged
 * once into the {@link MergeCache} and later starts find the file there. The merge runs on the scheduler's
 * {@code fusion_backend} when one is named, else on the fastest merge backend.
 */
public final class MergedModels {
    private static final System.Logger LOG = System.getLogger(MergedModels.class.getName());

    private MergedModels() {
    }

    /** {@code config} with every merged model pointing at its merged file, made in the default cache if absent. */
    public static EngineConfig prepare(EngineConfig config) {
        return prepare(config, MergeCache.fromSystemProperties());
    }

    /**
     * {@code config} with every merged model pointing at its file in {@code cache}, merged first if absent.
     *
     * @throws ConfigException at the model's line: an unreadable or invalid recipe, a missing input, or inputs the
     *                         merge refuses (architectures, shapes or vocabularies that differ)
     */
    public static EngineConfig prepare(EngineConfig config, MergeCache cache) {
        if (config.models().values().stream().noneMatch(ModelSpec::awaitsMerge)) {
            return config;
        }
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        config.models().forEach((name, model) -> models.put(name,
                model.awaitsMerge() ? model.withMergedFile(merged(model, cache, config.scheduler())) : model));
        return new EngineConfig(config.file(), models, config.collaborations(), config.remotes(),
                config.orchestrations(), config.scheduler());
    }

    /** The recipe of a merged model, parsed; errors are {@link ConfigException}s at the model. */
    public static MergeRecipe recipe(ModelSpec model) {
        Path recipe = model.recipe().orElseThrow(() -> new IllegalArgumentException(
                "model '" + model.name() + "' is not merged from a recipe"));
        try {
            return RecipeParser.parse(recipe);
        } catch (NoSuchFileException e) {
            throw failure(model, "no recipe file " + recipe, e);
        } catch (IOException | IllegalArgumentException e) {
            throw failure(model, "bad recipe: " + e.getMessage(), e);
        }
    }

    private static Path merged(ModelSpec model, MergeCache cache, SchedulerSpec scheduler) {
        MergeRecipe recipe = recipe(model);
        Path recipeFile = model.recipe().orElseThrow();
        Path output;
        try {
            output = cache.fileFor(recipeFile, recipe);
        } catch (NoSuchFileException e) {
            throw failure(model, "recipe " + recipeFile + " names an input model that does not exist: "
                    + e.getFile(), e);
        } catch (IOException e) {
            throw failure(model, "cannot read recipe " + recipeFile + " or its inputs: " + e.getMessage(), e);
        }
        if (Files.isRegularFile(output)) {
            LOG.log(System.Logger.Level.INFO, "model ''{0}'': using the cached merge {1}", model.name(), output);
            return output;
        }
        try {
            Files.createDirectories(output.getParent());
            try (MergeKernels kernels = scheduler.fusionBackend()
                    .map(backend -> MergeBackends.open(MergeBackend.parse(backend.name())))
                    .orElseGet(MergeBackends::openFastest)) {
                LOG.log(System.Logger.Level.INFO, "model ''{0}'': merging {1} ({2}) on {3} into {4}", model.name(),
                        recipeFile, recipe.method().id(), kernels.backend().id(), output);
                MergeSummary summary = MergePipeline.run(recipe, output, kernels, new LoggedProgress(model.name()));
                LOG.log(System.Logger.Level.INFO, "model ''{0}'': merged {1} tensors, {2} MB of input in {3} s",
                        model.name(), summary.tensors(), summary.inputBytes() / 1_000_000,
                        String.format(Locale.ROOT, "%.1f", summary.seconds()));
            }
        } catch (IOException | RuntimeException e) {
            throw failure(model, "merging " + recipeFile + " failed: " + e.getMessage(), e);
        }
        return output;
    }

    private static ConfigException failure(ModelSpec model, String message, Exception cause) {
        return new ConfigException(model.location(), "merged model '" + model.name() + "': " + message, cause);
    }

    /** Logs a merge's progress at every tenth of its input. */
    private static final class LoggedProgress implements MergeProgress {
        private final String model;
        private int tenthsLogged;

        LoggedProgress(String model) {
            this.model = model;
        }

        @Override
        public void update(int tensorsDone, int tensors, long bytesRead, long bytesToRead) {
            int tenths = (int) (10 * bytesRead / Math.max(1, bytesToRead));
            if (tenths > tenthsLogged) {
                tenthsLogged = tenths;
                LOG.log(System.Logger.Level.INFO, "model ''{0}'': merged {1}/{2} tensors ({3}%)", model, tensorsDone,
                        tensors, tenths * 10);
            }
        }
    }
}
