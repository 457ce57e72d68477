package dev.chorus.engine.config;

import org.yaml.snakeyaml.nodes.Node;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the orchestrated kinds ({@code router}, {@code cascade}, {@code moa}, {@code debate}) and {@code remotes}.
 * Members must be declared above the orchestration that names them, so nesting can never form a cycle.
 */
final class OrchestrationParser {
    static final String DEFAULT_ROUTING_PROMPT = """
            Choose who should answer the question. Reply with one word: {labels}.

            Question: {query}
            Answer:""";
    private static final List<String> ROUTER_KEYS = List.of("kind", "members", "default", "rules", "judge", "labels",
            "judge_prompt");
    private static final List<String> RULE_KEYS = List.of("member", "pattern", "keywords", "min_prompt_chars",
            "max_prompt_chars", "min_max_tokens", "max_max_tokens");
    private static final List<String> CASCADE_KEYS = List.of("kind", "members", "confidence", "threshold");
    private static final List<String> MOA_KEYS = List.of("kind", "proposers", "aggregator", "layers");
    private static final List<String> DEBATE_KEYS = List.of("kind", "members", "rounds", "judge", "decide");
    private static final List<String> REMOTE_KEYS = List.of("base_url", "model", "api_key_env", "connect_timeout_ms",
            "read_timeout_ms", "retries", "backoff_ms", "fallback", "context");

    private final Path file;

    OrchestrationParser(Path file) {
        this.file = file;
    }

    /**
     * @param known     names declared so far (models, remotes, collaborations): what a member may name
     * @param judgeable models and logit-level collaborations: what may judge (its vocabulary scores labels)
     */
    OrchestrationSpec parse(String name, CollaborationKind kind, Node value, Set<String> known, Set<String> judgeable) {
        String owner = "collaboration '" + name + "'";
        ConfigLocation location = YamlMapping.location(file, value);
        Names names = new Names(owner, known, judgeable);
        return switch (kind) {
            case ROUTER -> router(name, new YamlMapping(file, value, owner, ROUTER_KEYS), names, location);
            case CASCADE -> cascade(name, new YamlMapping(file, value, owner, CASCADE_KEYS), names, location);
            case MOA -> moa(name, new YamlMapping(file, value, owner, MOA_KEYS), names, location);
            case DEBATE -> debate(name, new YamlMapping(file, value, owner, DEBATE_KEYS), names, location);
            case SINGLE, ENSEMBLE, CONTRASTIVE, PROXY -> throw new IllegalArgumentException(kind + " fuses logits");
        };
    }

    private OrchestrationSpec router(String name, YamlMapping mapping, Names names, ConfigLocation location) {
        List<String> members = names.members(mapping, "members");
        String fallback = names.oneOf(mapping, "default", members);
        List<OrchestrationSpec.RouteRule> rules = new ArrayList<>();
        mapping.optional("rules").ifPresent(ignored -> {
            for (Node node : mapping.sequence("rules")) {
                String owner = "rule " + (rules.size() + 1) + " of " + names.owner();
                rules.add(rule(new YamlMapping(file, node, owner, RULE_KEYS), names.within(owner), members));
            }
        });
        Optional<OrchestrationSpec.RouterJudge> judge = mapping.optionalString("judge").map(ignored -> {
            String judgeName = names.judge(mapping, "judge");
            Map<String, String> labels = new LinkedHashMap<>();
            members.forEach(member -> labels.put(member, member));
            mapping.optional("labels").ifPresent(node -> {
                YamlMapping given = new YamlMapping(file, node, "'labels' of " + names.owner(), members);
                members.forEach(member -> given.optionalString(member).ifPresent(label -> labels.put(member, label)));
            });
            return new OrchestrationSpec.RouterJudge(judgeName, labels,
                    mapping.optionalString("judge_prompt").orElse(DEFAULT_ROUTING_PROMPT));
        });
        if (judge.isEmpty() && (mapping.optional("labels").isPresent() || mapping.optional("judge_prompt").isPresent())) {
            throw new ConfigException(mapping.location(), "'labels' and 'judge_prompt' of " + names.owner()
                    + " need a 'judge'");
        }
        return new OrchestrationSpec.Router(name, members, fallback, rules, judge, location);
    }

    private OrchestrationSpec.RouteRule rule(YamlMapping mapping, Names names, List<String> members) {
        Optional<Pattern> pattern = mapping.optionalString("pattern").map(regex -> {
            try {
                return Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new ConfigException(mapping.location("pattern"), "'pattern' of " + names.owner()
                        + " is not a regular expression: " + e.getDescription());
            }
        });
        List<String> keywords = mapping.optional("keywords").isPresent() ? mapping.strings("keywords") : List.of();
        int minPrompt = mapping.integer("min_prompt_chars", 0, 0);
        int maxPrompt = mapping.integer("max_prompt_chars", Integer.MAX_VALUE, minPrompt);
        int minTokens = mapping.integer("min_max_tokens", 1, 1);
        int maxTokens = mapping.integer("max_max_tokens", Integer.MAX_VALUE, minTokens);
        return new OrchestrationSpec.RouteRule(names.oneOf(mapping, "member", members), pattern, keywords,
                minPrompt, maxPrompt, minTokens, maxTokens);
    }

    private OrchestrationSpec cascade(String name, YamlMapping mapping, Names names, ConfigLocation location) {
        String measureName = mapping.optionalString("confidence").orElse(ConfidenceMeasure.MEAN_LOGPROB.configName());
        ConfidenceMeasure measure = switch (measureName) {
            case "mean_logprob" -> ConfidenceMeasure.MEAN_LOGPROB;
            case "min_prob" -> ConfidenceMeasure.MIN_PROB;
            default -> throw new ConfigException(mapping.location("confidence"), "'confidence' of " + names.owner()
                    + " must be mean_logprob or min_prob, got " + measureName);
        };
        if (mapping.optional("threshold").isEmpty()) {
            throw new ConfigException(mapping.location(), names.owner() + " is missing 'threshold'");
        }
        return new OrchestrationSpec.Cascade(name, names.members(mapping, "members"), measure,
                mapping.numberOrInfinity("threshold", Double.NaN), location);
    }

    private OrchestrationSpec moa(String name, YamlMapping mapping, Names names, ConfigLocation location) {
        return new OrchestrationSpec.Moa(name, names.members(mapping, "proposers"), names.one(mapping, "aggregator"),
                mapping.integer("layers", 1, 1), location);
    }

    private OrchestrationSpec debate(String name, YamlMapping mapping, Names names, ConfigLocation location) {
        List<String> debaters = names.members(mapping, "members");
        if (debaters.size() < 2) {
            throw new ConfigException(mapping.location("members"), names.owner() + " needs at least two members");
        }
        String decide = mapping.optionalString("decide").orElse(mapping.optional("judge").isPresent() ? "judge"
                : "majority");
        Optional<String> judge = switch (decide) {
            case "judge" -> Optional.of(names.judge(mapping, "judge"));
            case "majority" -> {
                if (mapping.optional("judge").isPresent()) {
                    throw new ConfigException(mapping.location("judge"), names.owner()
                            + " decides by majority; remove 'judge' or set 'decide: judge'");
                }
                yield Optional.empty();
            }
            default -> throw new ConfigException(mapping.location("decide"), "'decide' of " + names.owner()
                    + " must be judge or majority, got " + decide);
        };
        return new OrchestrationSpec.Debate(name, debaters, mapping.integer("rounds", 1, 0), judge, location);
    }

    RemoteSpec remote(String name, Node key, Node value) {
        String owner = "remote '" + name + "'";
        YamlMapping mapping = new YamlMapping(file, value, owner, REMOTE_KEYS);
        String url = mapping.requiredString("base_url");
        URI baseUrl;
        try {
            baseUrl = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (URISyntaxException e) {
            throw new ConfigException(mapping.location("base_url"), "'base_url' of " + owner + " is not a URL: "
                    + e.getMessage());
        }
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new ConfigException(mapping.location("base_url"), "'base_url' of " + owner
                    + " must start with http:// or https://, got " + url);
        }
        return new RemoteSpec(name, baseUrl, mapping.requiredString("model"), mapping.optionalString("api_key_env"),
                Duration.ofMillis(mapping.integer("connect_timeout_ms", 5_000, 1)),
                Duration.ofMillis(mapping.integer("read_timeout_ms", 120_000, 1)),
                mapping.integer("retries", 2, 0),
                Duration.ofMillis(mapping.integer("backoff_ms", 200, 0)),
                mapping.optionalString("fallback"),
                mapping.integer("context", 4096, 1),
                YamlMapping.location(file, key));
    }

    /** Checks names against those declared so far; {@code owner} says whose key it is in messages. */
    private record Names(String owner, Set<String> known, Set<String> judgeable) {
        Names within(String newOwner) {
            return new Names(newOwner, known, judgeable);
        }

        List<String> members(YamlMapping mapping, String key) {
            List<String> names = mapping.strings(key);
            for (String name : names) {
                require(mapping, key, name, known, "a model, remote or collaboration declared above it");
            }
            if (names.stream().distinct().count() != names.size()) {
                throw new ConfigException(mapping.location(key), "'" + key + "' of " + owner + " repeats a member: "
                        + names);
            }
            return names;
        }

        String one(YamlMapping mapping, String key) {
            String name = mapping.requiredString(key);
            require(mapping, key, name, known, "a model, remote or collaboration declared above it");
            return name;
        }

        String oneOf(YamlMapping mapping, String key, List<String> members) {
            String name = mapping.requiredString(key);
            if (!members.contains(name)) {
                throw new ConfigException(mapping.location(key), "'" + key + "' of " + owner + " names '" + name
                        + "', which is not one of the members " + members);
            }
            return name;
        }

        String judge(YamlMapping mapping, String key) {
            String name = mapping.requiredString(key);
            require(mapping, key, name, judgeable, "a model or logit-level collaboration (its vocabulary scores "
                    + "the labels)");
            return name;
        }

        private void require(YamlMapping mapping, String key, String name, Set<String> allowed, String what) {
            if (!allowed.contains(name)) {
                throw new ConfigException(mapping.location(key), "'" + key + "' of " + owner + " names '" + name
                        + "'; it must be " + what + ": " + String.join(", ", allowed));
            }
        }
    }
}
