package dev.chorus.engine.eval;

import dev.chorus.engine.config.CollaborationKind;

import java.util.Objects;

/**
 * The perplexity of one model or collaboration on a set of token windows.
 *
 * @param name                  the collaboration (or model) evaluated
 * @param kind                  its kind
 * @param windows               windows evaluated
 * @param tokens                tokens scored (all but the first of every window)
 * @param zeroProbabilityTokens scored tokens the fused distribution gives probability 0 (possible with a
 *                              contrastive plausibility cut): each makes the perplexity infinite
 * @param finiteNllSum          the sum of {@code −log p} over the other tokens, in nats
 * @param seconds               the time this collaboration alone would take: its members' decodes plus its fusion
 * @param leadTokens            scored tokens a gated ensemble's lead decided alone (0 without a gate)
 */
public record Perplexity(String name, CollaborationKind kind, int windows, long tokens, long zeroProbabilityTokens,
                         double finiteNllSum, double seconds, long leadTokens) {

    public Perplexity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (windows < 1 || tokens < 1 || zeroProbabilityTokens < 0 || zeroProbabilityTokens > tokens) {
            throw new IllegalArgumentException("need windows ≥ 1, tokens ≥ 1 and 0 ≤ zero-probability tokens ≤ tokens: "
                    + windows + ", " + tokens + ", " + zeroProbabilityTokens);
        }
        if (leadTokens < 0 || leadTokens > tokens) {
            throw new IllegalArgumentException("need 0 ≤ lead tokens ≤ tokens: " + leadTokens + ", " + tokens);
        }
        if (!Double.isFinite(finiteNllSum) || !(seconds >= 0)) {
            throw new IllegalArgumentException("the NLL sum must be finite and the time ≥ 0: " + finiteNllSum
                    + ", " + seconds);
        }
    }

    /** The perplexity of a collaboration without a gate. */
    public Perplexity(String name, CollaborationKind kind, int windows, long tokens, long zeroProbabilityTokens,
                      double finiteNllSum, double seconds) {
        this(name, kind, windows, tokens, zeroProbabilityTokens, finiteNllSum, seconds, 0);
    }

    /** The share of scored tokens a gated ensemble's lead decided alone, the fusion skipped. */
    public double skippedShare() {
        return (double) leadTokens / tokens;
    }

    /** The mean negative log-likelihood per scored token in nats; {@code +∞} when a token had probability 0. */
    public double meanNll() {
        return zeroProbabilityTokens > 0 ? Double.POSITIVE_INFINITY : finiteNllSum / tokens;
    }

    /** {@code exp(meanNll)}. */
    public double perplexity() {
        return Math.exp(meanNll());
    }

    /** The share of scored tokens with a non-zero fused probability. */
    public double coverage() {
        return (tokens - zeroProbabilityTokens) / (double) tokens;
    }

    /** The perplexity over the tokens with a non-zero probability only ({@code NaN} when there are none). */
    public double coveredPerplexity() {
        long covered = tokens - zeroProbabilityTokens;
        return covered == 0 ? Double.NaN : Math.exp(finiteNllSum / covered);
    }

    /** Scored tokens per second of {@link #seconds}. */
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : Double.POSITIVE_INFINITY;
    }
}
