package dev.chorus.engine;

import java.util.Objects;

/**
 * One member call of an orchestrated answer (router, cascade, mixture of agents, debate): who was called, in
 * which role, how confident its answer was and what it cost.
 *
 * @param member         the member's name (a model, collaboration, orchestration or remote)
 * @param role           what the call was for: {@code routed}, {@code judge}, {@code accepted}, {@code rejected},
 *                       {@code final}, {@code proposer}, {@code aggregator}, {@code debater}, {@code fallback}
 * @param answered       whether this call's text is the answer the client got
 * @param meanLogprob    the mean log-probability (nats) of its tokens; −∞ for an answer without tokens or
 *                       log-probabilities
 * @param minProbability the smallest probability of any of its tokens; 0 when unknown
 * @param millis         wall time from submission to its end
 */
public record MemberReport(String member, String role, boolean answered, double meanLogprob, double minProbability,
                           long millis, Usage usage) {
    public MemberReport {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(usage, "usage");
        if (millis < 0) {
            throw new IllegalArgumentException("millis must be >= 0, got " + millis);
        }
    }

    public MemberReport asAnswer() {
        return new MemberReport(member, role, true, meanLogprob, minProbability, millis, usage);
    }
}
