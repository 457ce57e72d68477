package dev.chorus.engine;

/** One member's view of a step: the entropy (nats) and the largest probability of its own distribution. */
public record MemberStats(String model, float entropy, float maxProbability) {
}
