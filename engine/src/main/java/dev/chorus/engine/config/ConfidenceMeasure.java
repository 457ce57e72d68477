package dev.chorus.engine.config;

/** How a cascade scores an answer from its tokens' log-probabilities. */
public enum ConfidenceMeasure {
    /** The mean log-probability (nats) of the answer's tokens: in (−∞, 0]. */
    MEAN_LOGPROB("mean_logprob"),
    /** The smallest probability of any of the answer's tokens: in [0, 1]. */
    MIN_PROB("min_prob");

    private final String configName;

    ConfidenceMeasure(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }
}
