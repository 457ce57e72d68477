package dev.chorus.bench.server;

import java.util.Objects;

/**
 * How one streamed request ended, as its client saw it.
 *
 * @param status           ok, overloaded (429/503 or the engine's admission refusal) or failed
 * @param model            the model or collaboration asked
 * @param firstTokenNanos  from sending the request to the first streamed token; -1 when none came
 * @param streamedTokens   tokens that released text (one SSE chunk each)
 * @param completionTokens the tokens the server counted ({@code usage.completion_tokens}); 0 unless ok
 * @param durationNanos    from sending the request to the end of its stream or answer
 * @param detail           what went wrong, empty unless failed
 */
record RequestOutcome(Status status, String model, long firstTokenNanos, int streamedTokens, int completionTokens,
                      long durationNanos, String detail) {
    enum Status { OK, OVERLOADED, FAILED }

    RequestOutcome {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(detail, "detail");
        if (streamedTokens < 0 || completionTokens < 0 || durationNanos < 0) {
            throw new IllegalArgumentException("counts and durations must be ≥ 0");
        }
        if (status == Status.OK && (firstTokenNanos < 0 || completionTokens < streamedTokens)) {
            throw new IllegalArgumentException("an ok request has a first token and counts every streamed token");
        }
    }

    static RequestOutcome ok(String model, long firstTokenNanos, int streamedTokens, int completionTokens,
                             long durationNanos) {
        return new RequestOutcome(Status.OK, model, firstTokenNanos, streamedTokens, completionTokens, durationNanos,
                "");
    }

    static RequestOutcome overloaded(String model, long durationNanos) {
        return new RequestOutcome(Status.OVERLOADED, model, -1, 0, 0, durationNanos, "");
    }

    static RequestOutcome failed(String model, long durationNanos, String detail) {
        return new RequestOutcome(Status.FAILED, model, -1, 0, 0, durationNanos, detail);
    }
}
