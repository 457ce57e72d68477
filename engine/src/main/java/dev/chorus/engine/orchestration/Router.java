package dev.chorus.engine.orchestration;

import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Member;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.config.OrchestrationSpec;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * Picks one member per request: the first rule that matches, else the judge's best label, else the default. The
 * chosen member's answer streams straight through: one model call (two with a judge).
 */
final class Router implements Strategy {
    private final OrchestrationSpec.Router spec;
    private final Map<String, Member> members;
    private final Optional<LabelJudge> judge;
    private final List<String> judgeChoices;

    /** @param judge scores {@code judgeChoices}' labels, in that order */
    Router(OrchestrationSpec.Router spec, Map<String, Member> members, Optional<LabelJudge> judge,
           List<String> judgeChoices) {
        this.spec = spec;
        this.members = Map.copyOf(members);
        this.judge = judge;
        this.judgeChoices = List.copyOf(judgeChoices);
    }

    @Override
    public MemberAnswer answer(Session session, GenerationRequest request) throws InterruptedException {
        Optional<String> rule = byRule(request);
        String chosen = rule.isPresent() ? rule.get() : byJudge(session, request.prompt()).orElse(spec.fallback());
        return session.await(session.start(members.get(chosen), "routed", request), true);
    }

    private Optional<String> byRule(GenerationRequest request) {
        return spec.rules().stream().filter(rule -> matches(rule, request)).map(OrchestrationSpec.RouteRule::member)
                .findFirst();
    }

    static boolean matches(OrchestrationSpec.RouteRule rule, GenerationRequest request) {
        int length = Prompts.length(request.prompt());
        if (length < rule.minPromptChars() || length > rule.maxPromptChars()
                || request.maxTokens() < rule.minMaxTokens() || request.maxTokens() > rule.maxMaxTokens()) {
            return false;
        }
        if (rule.pattern().isEmpty() && rule.keywords().isEmpty()) {
            return true;
        }
        Optional<String> text = Prompts.lastUserText(request.prompt());
        if (text.isEmpty()) {
            return false;
        }
        if (rule.pattern().isPresent() && !rule.pattern().get().matcher(text.get()).find()) {
            return false;
        }
        String lower = text.get().toLowerCase(Locale.ROOT);
        return rule.keywords().isEmpty()
                || rule.keywords().stream().anyMatch(word -> lower.contains(word.toLowerCase(Locale.ROOT)));
    }

    /** The judge's pick; none without a judge or for a token prompt, which it cannot read. */
    private Optional<String> byJudge(Session session, Prompt prompt) throws InterruptedException {
        Optional<String> query = Prompts.lastUserText(prompt);
        if (judge.isEmpty() || query.isEmpty()) {
            return Optional.empty();
        }
        OrchestrationSpec.RouterJudge settings = spec.judge().orElseThrow();
        String labels = judgeChoices.stream().map(settings.labels()::get).collect(Collectors.joining(", "));
        String question = query.get();
        OptionalInt pick = judge.get().pick(session, settings.prompt().replace("{labels}", labels)
                .replace("{query}", question));
        return pick.isPresent() ? Optional.of(judgeChoices.get(pick.getAsInt())) : Optional.empty();
    }
}
