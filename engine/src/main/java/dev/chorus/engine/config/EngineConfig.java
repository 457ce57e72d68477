package dev.chorus.engine.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed config file: models by name, logit-level collaborations by name (every model also appears as a
 * {@link CollaborationKind#SINGLE} collaboration under its own name), remote endpoints, orchestrations (routers,
 * cascades, mixtures of agents, debates: served too, after the collaborations) and the scheduler settings.
 * Parsing checks syntax, types, ranges and names; {@link ConfigValidator} then checks the files themselves.
 */
public record EngineConfig(Path file, Map<String, ModelSpec> models, Map<String, CollaborationSpec> collaborations,
                           Map<String, RemoteSpec> remotes, Map<String, OrchestrationSpec> orchestrations,
                           SchedulerSpec scheduler) {
    public EngineConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(scheduler, "scheduler");
        models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        collaborations = Collections.unmodifiableMap(new LinkedHashMap<>(collaborations));
        remotes = Collections.unmodifiableMap(new LinkedHashMap<>(remotes));
        orchestrations = Collections.unmodifiableMap(new LinkedHashMap<>(orchestrations));
    }

    /** A config without remotes or orchestrations. */
    public EngineConfig(Path file, Map<String, ModelSpec> models, Map<String, CollaborationSpec> collaborations,
                        SchedulerSpec scheduler) {
        this(file, models, collaborations, Map.of(), Map.of(), scheduler);
    }

    /** Reads and parses a config file; model paths are resolved against the file's folder. */
    public static EngineConfig load(Path file) {
        String text;
        try {
            text = YamlLimits.read(file, "config");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config " + file, e);
        }
        return parse(text, file);
    }

    /** Parses config text as if it were read from {@code file} (used for relative paths and error locations). */
    public static EngineConfig parse(String text, Path file) {
        return new ConfigParser(file).parse(text);
    }

    public ModelSpec model(String name) {
        ModelSpec model = models.get(name);
        if (model == null) {
            throw new IllegalArgumentException("no model named '" + name + "'; models: " + models.keySet());
        }
        return model;
    }

    public CollaborationSpec collaboration(String name) {
        CollaborationSpec collaboration = collaborations.get(name);
        if (collaboration == null) {
            throw new IllegalArgumentException("no collaboration named '" + name + "'; served: " + collaborations.keySet());
        }
        return collaboration;
    }
}
