package dev.chorus.engine.eval;

import dev.chorus.engine.CpuBudget;
import dev.chorus.engine.ModelRegistry;
import dev.chorus.engine.config.CollaborationKind;
import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.ConfigValidator;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.MemberSpec;
import dev.chorus.engine.config.ModelSpec;
import dev.chorus.engine.merge.MergedModels;
import dev.chorus.llama.Vocab;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Perplexity of configured models and collaborations, computed with the llama.cpp bindings and fusion kernels that
 * serve requests. Each window is decoded from an empty context by every model the collaborations need (once per
 * model, however many collaborations use it), then each collaboration fuses its members' logits at every position
 * and scores the actual next token: perplexity = exp(mean NLL of tokens 1..n−1 of every window).
 *
 * <pre>{@code
 * EngineConfig config = EngineConfig.load(Path.of("chorus.yaml"));
 * try (PerplexityEvaluator evaluator = PerplexityEvaluator.open(config, List.of("kjv", "experts"), 512)) {
 *     TokenWindows windows = TokenWindows.readInt32(Path.of("heldout-kjv.i32"), 512);
 *     for (Perplexity result : evaluator.evaluate(windows, EvalProgress.NONE)) {
 *         System.out.println(result.name() + ": " + result.perplexity());
 *     }
 * }
 * }</pre>
 */
public final class PerplexityEvaluator implements AutoCloseable {
    private final ModelRegistry registry;
    private final Map<String, WindowDecoder> decoders;
    private final List<CollaborationScorer> scorers;
    private final Vocab vocab;
    private final int window;

    private PerplexityEvaluator(ModelRegistry registry, Map<String, WindowDecoder> decoders,
                                List<CollaborationScorer> scorers, Vocab vocab, int window) {
        this.registry = registry;
        this.decoders = decoders;
        this.scorers = scorers;
        this.vocab = vocab;
        this.window = window;
    }

    /**
     * Validates the config, loads the models the named collaborations use and opens one context per model (for
     * windows of up to {@code window} tokens) and one fusion instance per collaboration, on the backend the config's
     * {@code scheduler.fusion_backend} names (the one requests are served with).
     *
     * @throws IllegalArgumentException an unknown or repeated name, a window under 2 tokens, or collaborations
     *                                  whose models do not share one vocabulary
     */
    public static PerplexityEvaluator open(EngineConfig configured, List<String> names, int window) {
        if (window < 2) {
            throw new IllegalArgumentException("the window must hold at least 2 tokens, got " + window);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("name at least one model or collaboration to evaluate");
        }
        if (new LinkedHashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("a collaboration is named twice: " + names);
        }
        EngineConfig config = MergedModels.prepare(configured); // merged models are served, so they are evaluated too
        List<CollaborationSpec> specs = names.stream().map(config::collaboration).toList();
        ConfigValidator.validate(config);
        LinkedHashSet<String> modelNames = new LinkedHashSet<>();
        specs.forEach(spec -> modelNames.addAll(spec.models()));
        ModelRegistry registry = ModelRegistry.load(modelNames.stream().map(config::model).toList());
        Map<String, WindowDecoder> decoders = new LinkedHashMap<>();
        List<CollaborationScorer> scorers = new ArrayList<>();
        try {
            Vocab vocab = registry.get(modelNames.getFirst()).vocab();
            // The models decode one after another: each may use the whole budget, less what others keep busy.
            CpuBudget budget = CpuBudget.configured(config.scheduler().threads());
            for (String name : modelNames) {
                SharedVocabulary.require(vocab, modelNames.getFirst(), registry.get(name).vocab(), name);
                ModelSpec model = config.model(name);
                decoders.put(name, new WindowDecoder(name, registry.get(name), model, window, budget));
            }
            for (CollaborationSpec spec : specs) {
                List<WindowDecoder> members = spec.members().stream().map(MemberSpec::model).map(decoders::get)
                        .toList();
                List<WindowDecoder> distinct = spec.models().stream().map(decoders::get).toList();
                scorers.add(new CollaborationScorer(spec, members, distinct, vocab.size(), window,
                        config.scheduler().fusionBackend()));
            }
            return new PerplexityEvaluator(registry, decoders, scorers, vocab, window);
        } catch (RuntimeException e) {
            scorers.forEach(CollaborationScorer::close);
            decoders.values().forEach(WindowDecoder::close);
            registry.close();
            throw e;
        }
    }

    /** The vocabulary every evaluated model shares (to tokenise text with), valid until close. */
    public Vocab vocab() {
        return vocab;
    }

    /** The longest window this evaluator accepts. */
    public int window() {
        return window;
    }

    /** Each collaboration's fusion backend and device, in words, by name. */
    public Map<String, String> backends() {
        Map<String, String> backends = new LinkedHashMap<>();
        scorers.forEach(scorer -> backends.put(scorer.spec().name(), scorer.backend()));
        return backends;
    }

    /** The scorer of a collaboration evaluated, for its per-position record. */
    CollaborationScorer scorer(String name) {
        return scorers.stream().filter(scorer -> scorer.spec().name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not evaluated"));
    }

    /**
     * Decodes every window with every model and scores it with every collaboration.
     *
     * @return one result per collaboration, in the order they were named
     * @throws IllegalArgumentException a window longer than {@link #window()} or a token outside the vocabulary
     */
    public List<Perplexity> evaluate(TokenWindows windows, EvalProgress progress) {
        if (windows.longest() > window) {
            throw new IllegalArgumentException("a window of " + windows.longest() + " tokens exceeds the "
                    + window + " this evaluator was opened for");
        }
        windows.requireVocabulary(vocab.size());
        scorers.forEach(CollaborationScorer::reset);
        for (int w = 0; w < windows.count(); w++) {
            int[] tokens = windows.window(w);
            decoders.values().forEach(decoder -> decoder.decode(tokens));
            scorers.forEach(scorer -> scorer.score(tokens));
            progress.windowDone(w + 1, windows.count());
        }
        return scorers.stream().map(scorer -> scorer.perplexity(windows.count())).toList();
    }

    /**
     * The oracle router over the named collaborations of the last {@link #evaluate}: for each window the member with
     * the lowest NLL on it, as if a router knew the answer (an upper bound for routers that pick one member per
     * request). Its time is the candidates' together: it needs all of them to choose.
     *
     * @throws IllegalArgumentException fewer than two candidates, or one not evaluated
     * @throws IllegalStateException    before the first {@link #evaluate}
     */
    public Perplexity oracleRouter(String name, List<String> candidates) {
        if (candidates.size() < 2) {
            throw new IllegalArgumentException("an oracle router needs at least two candidates, got " + candidates);
        }
        List<CollaborationScorer> chosen = candidates.stream().map(candidate -> scorers.stream()
                .filter(scorer -> scorer.spec().name().equals(candidate)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("'" + candidate + "' was not evaluated"))).toList();
        List<List<CollaborationScorer.WindowScore>> scores = chosen.stream().map(CollaborationScorer::windowScores)
                .toList();
        int windows = scores.getFirst().size();
        if (windows == 0) {
            throw new IllegalStateException("evaluate windows before asking for the oracle router");
        }
        double nll = 0;
        long zero = 0;
        for (int w = 0; w < windows; w++) {
            int window = w;
            CollaborationScorer.WindowScore best = scores.stream().map(candidate -> candidate.get(window))
                    .min(Comparator.naturalOrder()).orElseThrow();
            zero += best.zeroProbabilityTokens();
            nll += best.finiteNll();
        }
        List<Perplexity> alone = chosen.stream().map(scorer -> scorer.perplexity(windows)).toList();
        return new Perplexity(name, CollaborationKind.ROUTER, windows, alone.getFirst().tokens(), zero, nll,
                alone.stream().mapToDouble(Perplexity::seconds).sum());
    }

    @Override
    public void close() {
        scorers.forEach(CollaborationScorer::close);
        decoders.values().forEach(WindowDecoder::close);
        registry.close();
    }
}
