package dev.chorus.engine.adaptive;

import dev.chorus.engine.config.WeightAdaptation;

/**
 * One sequence's member weights under a {@link WeightAdaptation}: starts at the prior (the configured weights,
 * normalised), and after each token {@link #observe}s every member's log-probability of it. Scores are kept in log
 * space and normalised by their maximum, so no weight underflows to 0 unless its member is e^−87 times behind.
 * Not thread-safe: one instance per sequence.
 */
public final class AdaptiveWeights {
    private final WeightAdaptation adaptation;
    private final double[] logPrior;
    private final double[] score;
    private final float[] weights;
    private long observed;

    /** @param prior the configured member weights, all ≥ 0 with a positive sum */
    public AdaptiveWeights(WeightAdaptation adaptation, float[] prior) {
        this.adaptation = adaptation;
        this.logPrior = new double[prior.length];
        this.score = new double[prior.length];
        this.weights = new float[prior.length];
        double sum = 0;
        for (float w : prior) {
            if (!(w >= 0) || !Float.isFinite(w)) {
                throw new IllegalArgumentException("prior weights must be finite and ≥ 0, got " + w);
            }
            sum += w;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("prior weights need a positive sum");
        }
        for (int m = 0; m < prior.length; m++) {
            logPrior[m] = Math.log(prior[m] / sum);
        }
        update();
    }

    /** The weights for the next token, normalised to sum 1 (a view: valid until the next {@link #observe}). */
    public float[] weights() {
        return weights;
    }

    /** The number of tokens observed so far. */
    public long observed() {
        return observed;
    }

    /**
     * Records member m's log-probability {@code logprobs[m]} (natural log, at its temperature, ≤ 0, may be −∞) of the
     * token that came next, and recomputes the weights.
     */
    public void observe(double[] logprobs) {
        if (logprobs.length != score.length) {
            throw new IllegalArgumentException("one log-probability per member: " + score.length + ", got "
                    + logprobs.length);
        }
        observed++;
        switch (adaptation) {
            case WeightAdaptation.Fixed ignored -> {
                return;
            }
            case WeightAdaptation.Perplexity ignored -> {
                for (int m = 0; m < score.length; m++) {
                    score[m] += logprobs[m];
                }
            }
            case WeightAdaptation.Online online -> {
                for (int m = 0; m < score.length; m++) {
                    score[m] = online.forgetting() * score[m] + logprobs[m];
                }
            }
        }
        update();
    }

    private void update() {
        double[] log = new double[score.length];
        for (int m = 0; m < score.length; m++) {
            log[m] = logPrior[m] + exponent(m);
        }
        if (max(log) == Double.NEGATIVE_INFINITY) {
            // every member gave some past token probability 0: no evidence separates them, so the prior stands
            System.arraycopy(logPrior, 0, log, 0, log.length);
        }
        double max = max(log);
        double sum = 0;
        for (int m = 0; m < log.length; m++) {
            log[m] = Math.exp(log[m] - max);
            sum += log[m];
        }
        for (int m = 0; m < log.length; m++) {
            weights[m] = (float) (log[m] / sum);
        }
    }

    private static double max(double[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    /** The log-likelihood term member m's weight carries: mean NLL over τ, or the discounted log-likelihood. */
    private double exponent(int m) {
        return switch (adaptation) {
            case WeightAdaptation.Fixed ignored -> 0;
            case WeightAdaptation.Perplexity perplexity -> observed == 0 ? 0 : score[m] / observed / perplexity.tau();
            case WeightAdaptation.Online ignored -> score[m];
        };
    }
}
