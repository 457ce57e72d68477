package dev.chorus.engine.orchestration;

import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Member;
import dev.chorus.engine.config.ConfigException;
import dev.chorus.engine.config.ConfigLocation;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.OrchestrationSpec;
import dev.chorus.engine.config.RemoteSpec;
import dev.chorus.engine.remote.RemoteMember;
import dev.chorus.llama.Vocab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Builds a config's orchestrations, in config order, over the engine's served names. A member that names a served
 * model, collaboration or earlier orchestration calls back into the engine ({@code submit}), so nesting costs
 * nothing; a member that names a remote calls it (through its fallback when it has one).
 */
public final class Orchestrations implements AutoCloseable {
    private final Map<String, Orchestration> built = new LinkedHashMap<>();
    private final List<RemoteMember> remoteClients = new ArrayList<>();

    private Orchestrations() {
    }

    /**
     * @param submit        starts a generation on a served name (the engine's {@code submit})
     * @param contextTokens a served name's context per request
     * @param vocab         the vocabulary of a model or logit-level collaboration (judges tokenize labels with it)
     * @param environment   reads environment variables (remote API keys)
     * @throws ConfigException at the remote or orchestration that cannot start (an unset key variable, judge
     *                         labels that start with the same token)
     */
    public static Orchestrations build(EngineConfig config, BiFunction<String, GenerationRequest, Generation> submit,
                                       ToIntFunction<String> contextTokens, Function<String, Vocab> vocab,
                                       Function<String, String> environment) {
        Orchestrations orchestrations = new Orchestrations();
        try {
            orchestrations.add(config, submit, contextTokens, vocab, environment);
        } catch (RuntimeException e) {
            orchestrations.close();
            throw e;
        }
        return orchestrations;
    }

    private void add(EngineConfig config, BiFunction<String, GenerationRequest, Generation> submit,
                     ToIntFunction<String> contextTokens, Function<String, Vocab> vocab,
                     Function<String, String> environment) {
        Map<String, Member> remotes = new LinkedHashMap<>();
        Function<String, Member> member = name -> remotes.containsKey(name) ? remotes.get(name)
                : Member.of(name, request -> submit.apply(name, request));
        ToIntFunction<String> context = name -> config.remotes().containsKey(name)
                ? config.remotes().get(name).context()
                : built.containsKey(name) ? built.get(name).contextTokens() : contextTokens.applyAsInt(name);
        for (RemoteSpec spec : config.remotes().values()) {
            RemoteMember remote = located(spec.location(), () -> new RemoteMember(spec, environment));
            remoteClients.add(remote);
            remotes.put(spec.name(), spec.fallback().map(fallback -> {
                Orchestration withFallback = new Orchestration(spec.name(), "remote with fallback",
                        new Fallback(remote, member.apply(fallback)), spec.context(), Optional.empty());
                return Member.of(spec.name(), withFallback::submit);
            }).orElse(remote));
        }
        for (OrchestrationSpec spec : config.orchestrations().values()) {
            int tokens = spec.members().stream().mapToInt(context).min().orElseThrow();
            Optional<String> vocabularyOf = spec.members().stream()
                    .map(name -> built.containsKey(name) ? built.get(name).vocabularyOf()
                            : config.remotes().containsKey(name) ? Optional.<String>empty() : Optional.of(name))
                    .flatMap(Optional::stream).findFirst();
            Strategy strategy = located(spec.location(), () -> strategy(spec, member, vocab));
            built.put(spec.name(), new Orchestration(spec.name(), spec.kind().configName(), strategy, tokens,
                    vocabularyOf));
        }
    }

    /** The orchestration served under {@code name}, if it is one. */
    public Optional<Orchestration> get(String name) {
        return Optional.ofNullable(built.get(name));
    }

    /** Their names, in config order. */
    public List<String> names() {
        return List.copyOf(built.keySet());
    }

    /** Stops the remote members' HTTP clients. */
    @Override
    public void close() {
        remoteClients.forEach(RemoteMember::close);
    }

    private static <T> T located(ConfigLocation location, Supplier<T> start) {
        try {
            return start.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(location, e.getMessage(), e);
        }
    }

    private static Strategy strategy(OrchestrationSpec spec, Function<String, Member> member,
                                     Function<String, Vocab> vocab) {
        return switch (spec) {
            case OrchestrationSpec.Router router -> {
                Map<String, Member> members = new LinkedHashMap<>();
                router.members().forEach(name -> members.put(name, member.apply(name)));
                List<String> choices = router.judge().map(judge -> List.copyOf(judge.labels().keySet()))
                        .orElse(List.of());
                Optional<LabelJudge> judge = router.judge().map(settings -> new LabelJudge(
                        member.apply(settings.judge()), vocab.apply(settings.judge()),
                        choices.stream().map(settings.labels()::get).toList()));
                yield new Router(router, members, judge, choices);
            }
            case OrchestrationSpec.Cascade cascade -> new Cascade(cascade, cascade.members().stream().map(member).toList());
            case OrchestrationSpec.Moa moa -> new MixtureOfAgents(moa.proposers().stream().map(member).toList(),
                    member.apply(moa.aggregator()), moa.layers());
            case OrchestrationSpec.Debate debate -> new Debate(debate.debaters().stream().map(member).toList(),
                    debate.rounds(), debate.judge().map(judge -> new LabelJudge(member.apply(judge),
                    vocab.apply(judge), Debate.labels(debate.debaters().size()))));
        };
    }
}
