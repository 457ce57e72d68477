package dev.chorus.engine;

/** A token and its log-probability (nats) under the fused distribution. */
public record TokenLogprob(int token, String text, float logprob) {
}
