package dev.chorus.engine.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A collaboration that combines whole answers of its members instead of their logits. A member is any name the
 * config declared before it: a model, a logit-level collaboration, another orchestration (nesting) or a remote.
 * Behaviour and cost of each kind: {@code docs/orchestration.md}.
 */
public sealed interface OrchestrationSpec {
    String name();

    CollaborationKind kind();

    /** Every name this orchestration may call, without repeats. */
    List<String> members();

    ConfigLocation location();

    /**
     * Picks one member per request: the first rule that matches, else the judge's best-scored label, else the
     * default.
     */
    record Router(String name, List<String> members, String fallback, List<RouteRule> rules,
                  Optional<RouterJudge> judge, ConfigLocation location) implements OrchestrationSpec {
        public Router {
            members = distinct(name, members);
            rules = List.copyOf(rules);
            Objects.requireNonNull(judge, "judge");
            Objects.requireNonNull(location, "location");
            requireMember(name, members, fallback);
            for (RouteRule rule : rules) {
                requireMember(name, members, rule.member());
            }
            for (String labelled : judge.map(j -> j.labels().keySet()).orElse(Set.of())) {
                requireMember(name, members, labelled);
            }
        }

        @Override
        public CollaborationKind kind() {
            return CollaborationKind.ROUTER;
        }
    }

    /** Members cheapest first; an answer whose confidence is at least {@code threshold} is accepted. */
    record Cascade(String name, List<String> members, ConfidenceMeasure confidence, double threshold,
                   ConfigLocation location) implements OrchestrationSpec {
        public Cascade {
            members = distinct(name, members);
            Objects.requireNonNull(confidence, "confidence");
            Objects.requireNonNull(location, "location");
            if (Double.isNaN(threshold)) {
                throw new IllegalArgumentException(name + ": threshold must be a number or ±infinity");
            }
        }

        @Override
        public CollaborationKind kind() {
            return CollaborationKind.CASCADE;
        }
    }

    /** Proposers answer in parallel for {@code layers} layers, then the aggregator writes the answer. */
    record Moa(String name, List<String> proposers, String aggregator, int layers, ConfigLocation location)
            implements OrchestrationSpec {
        public Moa {
            proposers = List.copyOf(proposers);
            Objects.requireNonNull(aggregator, "aggregator");
            Objects.requireNonNull(location, "location");
            if (proposers.isEmpty() || layers < 1) {
                throw new IllegalArgumentException(name + ": at least one proposer and one layer");
            }
        }

        @Override
        public CollaborationKind kind() {
            return CollaborationKind.MOA;
        }

        @Override
        public List<String> members() {
            return Stream.concat(proposers.stream(), Stream.of(aggregator)).distinct().toList();
        }
    }

    /**
     * Members answer, then revise after reading each other's answers for {@code rounds} rounds; the judge picks the
     * final answer, or the most common final answer wins when there is no judge.
     */
    record Debate(String name, List<String> debaters, int rounds, Optional<String> judge, ConfigLocation location)
            implements OrchestrationSpec {
        public Debate {
            debaters = List.copyOf(debaters);
            Objects.requireNonNull(judge, "judge");
            Objects.requireNonNull(location, "location");
            if (debaters.size() < 2 || rounds < 0) {
                throw new IllegalArgumentException(name + ": at least two debaters and rounds >= 0");
            }
        }

        @Override
        public CollaborationKind kind() {
            return CollaborationKind.DEBATE;
        }

        @Override
        public List<String> members() {
            return Stream.concat(debaters.stream(), judge.stream()).distinct().toList();
        }
    }

    /**
     * A routing rule: every condition given must hold. Text conditions read the last user message (the whole text
     * of a text prompt); a token prompt matches none of them.
     *
     * @param pattern        a regular expression found anywhere in the last user message
     * @param keywords       words of which at least one occurs in it, ignoring case
     * @param minPromptChars fewest characters of the whole prompt (0 = any)
     * @param maxPromptChars most characters of the whole prompt
     * @param minMaxTokens   smallest requested {@code max_tokens} (1 = any)
     * @param maxMaxTokens   largest requested {@code max_tokens}
     */
    record RouteRule(String member, Optional<Pattern> pattern, List<String> keywords, int minPromptChars,
                     int maxPromptChars, int minMaxTokens, int maxMaxTokens) {
        public RouteRule {
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(pattern, "pattern");
            keywords = List.copyOf(keywords);
            if (minPromptChars < 0 || maxPromptChars < minPromptChars || minMaxTokens < 1
                    || maxMaxTokens < minMaxTokens) {
                throw new IllegalArgumentException("rule for " + member + ": empty prompt-length or max_tokens range");
            }
        }
    }

    /**
     * A judge model that routes: after {@code prompt} (with {@code {labels}} and {@code {query}} filled in) the
     * label whose first token has the highest log-probability wins.
     *
     * @param labels the label of each member it may choose, in config order
     */
    record RouterJudge(String judge, Map<String, String> labels, String prompt) {
        public RouterJudge {
            Objects.requireNonNull(judge, "judge");
            labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
            Objects.requireNonNull(prompt, "prompt");
            if (labels.size() < 2) {
                throw new IllegalArgumentException("a routing judge needs at least two labels");
            }
        }
    }

    private static List<String> distinct(String name, List<String> members) {
        List<String> copy = List.copyOf(members);
        if (copy.isEmpty() || copy.stream().distinct().count() != copy.size()) {
            throw new IllegalArgumentException(name + ": members must be a non-empty list without repeats: " + copy);
        }
        return copy;
    }

    private static void requireMember(String name, List<String> members, String member) {
        if (!members.contains(member)) {
            throw new IllegalArgumentException(name + ": '" + member + "' is not one of its members " + members);
        }
    }
}
