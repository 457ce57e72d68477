package dev.chorus.engine;

import dev.chorus.engine.config.CollaborationKind;
import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.ConfigException;
import dev.chorus.engine.config.DraftSpec;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.ModelSpec;
import dev.chorus.engine.config.OrchestrationSpec;
import dev.chorus.engine.config.SchedulerSpec;
import dev.chorus.engine.merge.MergedModels;
import dev.chorus.engine.orchestration.Orchestration;
import dev.chorus.engine.orchestration.Orchestrations;
import dev.chorus.llama.ChatTemplate;
import dev.chorus.llama.Llama;
import dev.chorus.llama.Vocab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * Serves the collaborations of a config on one shared runtime: every model is loaded once and gets one llama.cpp
 * context ({@code slots} sequences of {@code context} tokens, a persistent threadpool), whose slots every
 * collaboration using the model shares; one {@link StepLoop} batches the sequences of all collaborations into one
 * decode per model per step; each collaboration has its own fusion instance (a single model is a one-member fusion, so
 * every kind runs through the same kernels). Orchestrations (routers, cascades, mixtures of agents, debates) are
 * served under their names too: they call their members through this engine or remote endpoints
 * ({@code docs/orchestration.md}).
 *
 * <pre>{@code
 * try (Engine engine = Engine.start(Path.of("chorus.yaml"))) {
 *     Generation generation = engine.submit("experts", GenerationRequest.of(Prompt.text("In the beginning"), 32));
 *     System.out.println(generation.await().text());
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Engine.class.getName());

    private final EngineConfig config;
    private final ModelRegistry registry;
    private final Map<String, ModelRuntime> models;
    private final StepLoop loop;
    private final Map<String, Collaboration> collaborations;
    /** Set once in {@link #start}, after the collaborations its members call. */
    private Orchestrations orchestrations;

    private Engine(EngineConfig config, ModelRegistry registry, Map<String, ModelRuntime> models, StepLoop loop,
                   Map<String, Collaboration> collaborations) {
        this.config = config;
        this.registry = registry;
        this.models = models;
        this.loop = loop;
        this.collaborations = collaborations;
    }

    /** Loads, validates and starts the config in {@code file}. */
    public static Engine start(Path file) {
        return start(EngineConfig.load(file));
    }

    /**
     * Merges the merged models absent from the cache ({@link MergedModels}), validates the config against its files,
     * loads the models, opens their contexts and starts the step loop.
     *
     * @throws dev.chorus.engine.config.ConfigException naming the config line of a file, merge or vocabulary problem
     */
    public static Engine start(EngineConfig parsed) {
        requireServable(parsed);
        EngineConfig config = MergedModels.prepare(parsed);
        ConfigValidator.validate(config);
        SchedulerSpec scheduler = config.scheduler();
        CpuBudget budget = CpuBudget.configured(scheduler.threads());
        ModelRegistry registry = ModelRegistry.load(config.models().values());
        Map<String, ModelRuntime> models = new LinkedHashMap<>();
        Map<String, Collaboration> collaborations = new LinkedHashMap<>();
        StepLoop loop = new StepLoop(scheduler.prefillChunk(), budget);
        try {
            for (ModelSpec model : config.models().values()) {
                ModelRuntime runtime = new ModelRuntime(model, registry.get(model.name()), budget.threads(),
                        scheduler.prefillChunk() + model.slots() * (1 + longestProposal(config, model.name())),
                        scheduler.maxQueued());
                models.put(model.name(), runtime);
                loop.add(runtime);
            }
            for (CollaborationSpec spec : config.collaborations().values()) {
                List<ModelRuntime> runtimes = spec.slotModels().stream().map(models::get).toList();
                ChatTemplate template = ChatTemplates.forModel(runtimes.getFirst().model(),
                        config.models().get(spec.models().getFirst()).chatTemplate());
                Collaboration collaboration = new Collaboration(spec, runtimes, template, scheduler, loop);
                collaborations.put(spec.name(), collaboration);
                loop.add(collaboration);
                LOG.log(System.Logger.Level.INFO, "collaboration ''{0}'' ({1}): {2} sequences of {3} tokens, fusion on"
                        + " {4} ({5})", spec.name(), spec.kind().configName(), collaboration.concurrency(),
                        collaboration.slotContext(), collaboration.fusion().backend(), collaboration.fusion().device());
            }
            loop.start();
        } catch (RuntimeException e) {
            closeAll(loop, collaborations.values(), models.values(), registry);
            throw e;
        }
        Engine engine = new Engine(config, registry, models, loop, collaborations);
        try {
            engine.orchestrations = Orchestrations.build(config, engine::submit, engine::slotContext,
                    engine::vocab, System::getenv);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    /** Adaptive ensemble weights are scored by {@code chorus eval}; the step loop does not move them yet. */
    private static void requireServable(EngineConfig config) {
        for (CollaborationSpec spec : config.collaborations().values()) {
            if (!spec.adaptation().fixed()) {
                throw new ConfigException(spec.location(), "collaboration '" + spec.name()
                        + "' has adaptive weights, which chorus eval scores but chorus serve and run do not serve yet;"
                        + " serve it with 'weights: fixed'");
            }
        }
    }

    public EngineConfig config() {
        return config;
    }

    /** The names served, models first, in config order, orchestrations last. */
    public List<String> collaborations() {
        List<String> names = new ArrayList<>(collaborations.keySet());
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
                : collaboration(collaboration).submit(request);
    }

    /**
     * Embeds each input with the model a name serves ({@code /v1/embeddings}): a model, or a {@code single}
     * collaboration's model. The inputs are checked here; the step loop embeds them between its steps.
     *
     * @param dimensions the length the client asks for (OpenAI's {@code dimensions}); only the model's own can be
     *                   honoured, as shortening a vector keeps its meaning only for models trained to be cut so
     * @throws InvalidRequest naming {@code model} for a fused collaboration or an orchestration, which have no embeddings
     *                        of their own, {@code dimensions} for another length, and {@code input} for inputs its model
     *                        cannot embed
     * @throws OverloadedException when the model has as many embedding requests as it takes already
     * @throws IllegalArgumentException for an unknown name
     */
    public CompletableFuture<List<Embedding>> embed(String name, List<EmbeddingInput> inputs, OptionalInt dimensions) {
        ModelRuntime model = embeddingModel(name);
        int own = model.embeddings().dimensions();
        if (dimensions.isPresent() && dimensions.getAsInt() != own) {
            throw new InvalidRequest("dimensions", "'" + name + "' embeds in " + own + " dimensions and cannot shorten"
                    + " its vectors (it was not trained for truncated embeddings); leave 'dimensions' out or send " + own
                    + ".");
        }
        EmbeddingJob job = new EmbeddingJob(model, model.embeddings().tokenize(inputs));
        model.embeddings().admit(job.result());
        try {
            loop.embed(job);
        } catch (RuntimeException e) {
            job.fail(e);
            throw e;
        }
        return job.result();
    }

    /**
     * What a served name is ({@code /props}).
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public ServedInfo info(String name) {
        if (orchestration(name).isPresent()) {
            OptionalInt vocabulary;
            try {
                vocabulary = OptionalInt.of(vocab(name).size());
            } catch (IllegalArgumentException remoteOnly) {
                vocabulary = OptionalInt.empty();
            }
            return new ServedInfo(slotContext(name), OptionalInt.empty(), vocabulary, Optional.empty(),
                    Optional.empty(), Optional.empty(), OptionalInt.empty(), List.of());
        }
        Collaboration collaboration = collaboration(name);
        Vocab vocab = collaboration.vocab();
        CollaborationSpec spec = collaboration.spec();
        ModelEmbeddings embeddings = models.get(spec.models().getFirst()).embeddings();
        OptionalInt dimensions = spec.kind() == CollaborationKind.SINGLE && embeddings.available()
                ? OptionalInt.of(embeddings.dimensions()) : OptionalInt.empty();
        return new ServedInfo(collaboration.slotContext(), OptionalInt.of(collaboration.concurrency()),
                OptionalInt.of(vocab.size()), Optional.of(collaboration.chatTemplate().template()),
                tokenText(vocab, vocab.bos()), tokenText(vocab, vocab.eos()), dimensions,
                spec.slotModels().stream().map(model -> models.get(model).info()).toList());
    }

    private static Optional<String> tokenText(Vocab vocab, OptionalInt token) {
        return token.isPresent() ? Optional.of(vocab.tokenToPiece(token.getAsInt())) : Optional.empty();
    }

    /** The version of llama.cpp the engine runs on and the CPU features and backends it uses. */
    public static String llamaBuild() {
        Llama llama = Llama.init();
        return "llama.cpp v" + llama.version() + " (" + llama.buildKind() + "): " + llama.systemInfo().strip();
    }

    private ModelRuntime embeddingModel(String name) {
        Optional<Orchestration> orchestration = orchestration(name);
        if (orchestration.isPresent()) {
            OrchestrationSpec spec = config.orchestrations().get(name);
            throw new InvalidRequest("model", "'" + name + "' is an orchestration (" + spec.kind().configName()
                    + " of " + String.join(", ", spec.members()) + "): it combines answers and has no embeddings of"
                    + " its own; ask one of its models.");
        }
        CollaborationSpec spec = collaboration(name).spec();
        if (spec.kind() != CollaborationKind.SINGLE) {
            throw new InvalidRequest("model", "'" + name + "' is a fused collaboration (" + spec.kind().configName()
                    + " of " + String.join(", ", spec.models()) + "): its members' hidden states are not one space, so"
                    + " it has no embeddings of its own; ask one of its models.");
        }
        return models.get(spec.models().getFirst());
    }

    /** The most sequences a collaboration runs at once: the fewest slots among its models. */
    public int slots(String collaboration) {
        return collaboration(collaboration).concurrency();
    }

    /** The most prompt and completion tokens one request of a collaboration may use. */
    public int slotContext(String collaboration) {
        Optional<Orchestration> orchestration = orchestration(collaboration);
        return orchestration.isPresent() ? orchestration.get().contextTokens()
                : collaboration(collaboration).slotContext();
    }

    /** Models that lost an rpc-server they run on (name to reason): their collaborations answer 503. */
    public Map<String, String> unavailableModels() {
        return registry.unavailable();
    }

    /** A collaboration's load now and its work since start. */
    public SchedulerStats stats(String collaboration) {
        return collaboration(collaboration).stats();
    }

    /** A collaboration's speculative decoding since start (all zero without a draft). */
    public SpeculationStats speculationStats(String collaboration) {
        return collaboration(collaboration).speculationStats();
    }

    /** The loaded models, in config order. */
    public List<String> models() {
        return List.copyOf(models.keySet());
    }

    /** A loaded model's context, slots and work since start, over every collaboration using it. */
    public ModelStats modelStats(String model) {
        ModelRuntime runtime = models.get(model);
        if (runtime == null) {
            throw new IllegalArgumentException("no loaded model named '" + model + "'; loaded: " + models());
        }
        return runtime.stats();
    }

    /**
     * The vocabulary a collaboration's members share (valid until the engine closes); for an orchestration, that of
     * its first local member.
     */
    /**
     * Text to the token ids of {@code collaboration}'s vocabulary (llama-server's {@code /tokenize}).
     *
     * @param addSpecial add BOS as the model wants
     */
    public int[] tokenize(String collaboration, String text, boolean addSpecial) {
        return vocab(collaboration).tokenize(text, addSpecial, true);
    }

    /** The text of each token, special tokens rendered: {@code /tokenize}'s {@code with_pieces}. */
    public String piece(String collaboration, int token) {
        return vocab(collaboration).tokenToPiece(token);
    }

    /**
     * Token ids to text (llama-server's {@code /detokenize}).
     *
     * @throws InvalidRequest naming {@code tokens} when an id is outside the vocabulary
     */
    public String detokenize(String collaboration, int[] tokens) {
        Vocab vocab = vocab(collaboration);
        for (int token : tokens) {
            if (token < 0 || token >= vocab.size()) {
                throw new InvalidRequest("tokens", "token " + token + " is outside the vocabulary of " + vocab.size()
                        + ".");
            }
        }
        return vocab.detokenize(tokens, false, true);
    }

    public Vocab vocab(String collaboration) {
        return vocabularyOwner(collaboration).vocab();
    }

    /**
     * A token's exact piece bytes in a collaboration's vocabulary (OpenAI's {@code bytes} of a log-probability).
     *
     * @throws IllegalArgumentException for an unknown collaboration, one without a local vocabulary, or a token
     *                                  outside it
     */
    public byte[] tokenBytes(String collaboration, int token) {
        return vocabularyOwner(collaboration).pieces().bytes(token);
    }

    /** The collaboration whose vocabulary {@code name}'s tokens are in: itself, or an orchestration's local member. */
    private Collaboration vocabularyOwner(String name) {
        Optional<Orchestration> orchestration = orchestration(name);
        if (orchestration.isEmpty()) {
            return collaboration(name);
        }
        return collaboration(orchestration.get().vocabularyOf().orElseThrow(() -> new IllegalArgumentException("'"
                + name + "' has only remote members: its tokens have no local vocabulary")));
    }

    /** Empty for a collaboration's name, and while {@link #start} builds the orchestrations (their members come first). */
    private Optional<Orchestration> orchestration(String collaboration) {
        return orchestrations == null ? Optional.empty() : orchestrations.get(collaboration);
    }

    private Collaboration collaboration(String name) {
        Collaboration collaboration = collaborations.get(name);
        if (collaboration == null) {
            throw new IllegalArgumentException(orchestration(name).isPresent()
                    ? "'" + name + "' is an orchestration: it has no slots or vocabulary of its own"
                    : "no collaboration named '" + name + "'; served: " + collaborations());
        }
        return collaboration;
    }

    /** Cancels every request, stops the step loop, frees fusion buffers and contexts, then the models. */
    @Override
    public void close() {
        if (orchestrations != null) {
            orchestrations.close();
        }
        closeAll(loop, collaborations.values(), models.values(), registry);
    }

    private static void closeAll(StepLoop loop, Collection<Collaboration> collaborations,
                                 Collection<ModelRuntime> models, ModelRegistry registry) {
        List<RuntimeException> failures = new ArrayList<>();
        List<AutoCloseable> inOrder = new ArrayList<>();
        inOrder.add(loop);
        inOrder.addAll(collaborations);
        inOrder.addAll(models);
        inOrder.add(registry);
        for (AutoCloseable resource : inOrder) {
            try {
                resource.close();
            } catch (RuntimeException e) {
                failures.add(e);
            } catch (Exception e) {
                failures.add(new IllegalStateException(e));
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.getFirst();
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    /** The most proposals one sequence verifies in {@code model} per step: its batch holds them with the token before. */
    private static int longestProposal(EngineConfig config, String model) {
        return config.collaborations().values().stream()
                .filter(spec -> spec.models().contains(model))
                .mapToInt(spec -> spec.draft().map(DraftSpec::maxTokens).orElse(0))
                .max().orElse(0);
    }
}
