package dev.chorus.engine;

import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.ConfigValidator;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.merge.MergedModels;
import dev.chorus.engine.orchestration.Orchestration;
import dev.chorus.engine.orchestration.Orchestrations;
import dev.chorus.llama.Vocab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Serves the collaborations of a config: loads every model once, opens one llama.cpp context per distinct member
 * model of each collaboration (with {@code slots} sequences), one fusion instance per collaboration (a single model
 * is a one-member fusion, so every kind runs through the same kernels) and one scheduler thread per collaboration.
 * Orchestrations (routers, cascades, mixtures of agents, debates) are served under their names too: they call
 * their members through this engine or remote endpoints ({@code docs/orchestration.md}).
 *
 * <pre>{@code
 * try (Engine engine = Engine.start(Path.of("chorus.yaml"))) {
 *     Generation generation = engine.submit("experts", GenerationRequest.of(Prompt.text("In the beginning"), 32));
 *     System.out.println(generation.await().text());
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private final EngineConfig config;
    private final ModelRegistry registry;
    private final Map<String, CollaborationScheduler> schedulers;
    /** Set once in {@link #start}, after the schedulers its members call. */
    private Orchestrations orchestrations;

    private Engine(EngineConfig config, ModelRegistry registry, Map<String, CollaborationScheduler> schedulers) {
        this.config = config;
        this.registry = registry;
        this.schedulers = schedulers;
    }

    /** Loads, validates and starts the config in {@code file}. */
    public static Engine start(Path file) {
        return start(EngineConfig.load(file));
    }

    /**
     * Merges the merged models absent from the cache ({@link MergedModels}), validates the config against its files,
     * loads the models and starts every collaboration.
     *
     * @throws dev.chorus.engine.config.ConfigException naming the config line of a file, merge or vocabulary problem
     */
    public static Engine start(EngineConfig parsed) {
        EngineConfig config = MergedModels.prepare(parsed);
        ConfigValidator.validate(config);
        ModelRegistry registry = ModelRegistry.load(config.models().values());
        Map<String, CollaborationScheduler> schedulers = new LinkedHashMap<>();
        try {
            for (CollaborationSpec collaboration : config.collaborations().values()) {
                schedulers.put(collaboration.name(),
                        new CollaborationScheduler(collaboration, registry, config.models(), config.scheduler()));
            }
        } catch (RuntimeException e) {
            schedulers.values().forEach(CollaborationScheduler::close);
            registry.close();
            throw e;
        }
        Engine engine = new Engine(config, registry, schedulers);
        try {
            engine.orchestrations = Orchestrations.build(config, engine::submit, engine::slotContext,
                    engine::vocab, System::getenv);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    public EngineConfig config() {
        return config;
    }

    /** The names served, models first, in config order, orchestrations last. */
    public List<String> collaborations() {
        List<String> names = new ArrayList<>(schedulers.keySet());
        names.addAll(orchestrations.names());
        return List.copyOf(names);
    }

    /**
     * Starts a generation on a collaboration.
     *
     * @throws IllegalArgumentException an unknown collaboration, or a request it cannot run
     * @throws OverloadedException      every slot busy and the admission queue full
     */
    public Generation submit(String collaboration, GenerationRequest request) {
        Optional<Orchestration> orchestration = orchestration(collaboration);
        return orchestration.isPresent() ? orchestration.get().submit(request)
                : scheduler(collaboration).submit(request);
    }

    /** The concurrent sequences a collaboration runs. */
    public int slots(String collaboration) {
        return scheduler(collaboration).slots();
    }

    /** The most prompt and completion tokens one request of a collaboration may use. */
    public int slotContext(String collaboration) {
        Optional<Orchestration> orchestration = orchestration(collaboration);
        return orchestration.isPresent() ? orchestration.get().contextTokens()
                : scheduler(collaboration).slotContext();
    }

    /** The scheduler's load now and its work since start. */
    /** Models that lost an rpc-server they run on (name to reason): their collaborations answer 503. */
    public Map<String, String> unavailableModels() {
        return registry.unavailable();
    }

    public SchedulerStats stats(String collaboration) {
        return scheduler(collaboration).stats();
    }

    /**
     * The vocabulary a collaboration's members share (valid until the engine closes); for an orchestration, that of
     * its first local member.
     */
    public Vocab vocab(String collaboration) {
        Optional<Orchestration> orchestration = orchestration(collaboration);
        if (orchestration.isEmpty()) {
            return scheduler(collaboration).vocab();
        }
        return scheduler(orchestration.get().vocabularyOf().orElseThrow(() -> new IllegalArgumentException("'"
                + collaboration + "' has only remote members: its tokens have no local vocabulary"))).vocab();
    }

    /** Empty for a scheduler's name, and while {@link #start} builds the orchestrations (their members come first). */
    private Optional<Orchestration> orchestration(String collaboration) {
        return orchestrations == null ? Optional.empty() : orchestrations.get(collaboration);
    }

    private CollaborationScheduler scheduler(String collaboration) {
        CollaborationScheduler scheduler = schedulers.get(collaboration);
        if (scheduler == null) {
            throw new IllegalArgumentException(orchestration(collaboration).isPresent()
                    ? "'" + collaboration + "' is an orchestration: it has no scheduler or vocabulary of its own"
                    : "no collaboration named '" + collaboration + "'; served: " + collaborations());
        }
        return scheduler;
    }

    /** Cancels every request, stops the schedulers, frees contexts and fusion buffers, then the models. */
    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        if (orchestrations != null) {
            orchestrations.close();
        }
        for (CollaborationScheduler scheduler : schedulers.values()) {
            try {
                scheduler.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        registry.close();
        if (!failures.isEmpty()) {
            RuntimeException first = failures.getFirst();
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
