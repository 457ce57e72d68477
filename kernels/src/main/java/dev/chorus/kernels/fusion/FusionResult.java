package dev.chorus.kernels.fusion;

/**
 * One step's outputs per row (step 8 of {@code kernels/FUSION.md}), preallocated for a {@link FusionShape}.
 * Backends fill the backing arrays directly; callers read them through the accessors.
 */
public final class FusionResult {

    private final FusionShape shape;
    private final int[] tokens;
    private final float[] logprobs;
    private final int[] topCounts;
    private final int[] topTokens;
    private final float[] topLogprobs;
    private final float[] entropies;
    private final float[] maxProbs;
    private final boolean[] accepted;

    public FusionResult(FusionShape shape) {
        this.shape = shape;
        int rows = shape.maxBatch();
        tokens = new int[rows];
        logprobs = new float[rows];
        topCounts = new int[rows];
        topTokens = new int[rows * shape.maxTopLogprobs()];
        topLogprobs = new float[rows * shape.maxTopLogprobs()];
        entropies = new float[rows * shape.members()];
        maxProbs = new float[rows * shape.members()];
        accepted = new boolean[rows];
    }

    public FusionShape shape() {
        return shape;
    }

    /** Row b's chosen token. */
    public int token(int b) {
        return tokens[b];
    }

    /** The fused log-probability {@code F_token} of row b's token. */
    public float logprob(int b) {
        return logprobs[b];
    }

    /** How many top log-probabilities row b reports (its {@code topLogprobs}). */
    public int topCount(int b) {
        return topCounts[b];
    }

    /** Row b's j-th most likely fused token (descending, ties by lower index). */
    public int topToken(int b, int j) {
        return topTokens[topIndex(b, j)];
    }

    /** The fused log-probability of {@link #topToken(int, int)}. */
    public float topLogprob(int b, int j) {
        return topLogprobs[topIndex(b, j)];
    }

    /** Member m's entropy {@code H_m} in nats for row b. */
    public float memberEntropy(int b, int m) {
        return entropies[b * shape.members() + m];
    }

    /** Member m's largest probability for row b. */
    public float memberMaxProb(int b, int m) {
        return maxProbs[b * shape.members() + m];
    }

    /** Whether row b's proposal was accepted (false for a row without one: see {@link FusionStep#propose}). */
    public boolean accepted(int b) {
        return accepted[b];
    }

    /** Backing array: acceptance per row. */
    public boolean[] acceptances() {
        return accepted;
    }

    /** Backing array: token per row. */
    public int[] tokens() {
        return tokens;
    }

    /** Backing array: {@code F_token} per row. */
    public float[] logprobs() {
        return logprobs;
    }

    /** Backing array: number of top log-probabilities per row. */
    public int[] topCounts() {
        return topCounts;
    }

    /** Backing array, {@code maxBatch × maxTopLogprobs}: row b's top tokens at {@code b · maxTopLogprobs}. */
    public int[] topTokens() {
        return topTokens;
    }

    /** Backing array, laid out like {@link #topTokens()}. */
    public float[] topLogprobs() {
        return topLogprobs;
    }

    /** Backing array, {@code maxBatch × members}: row b's entropies at {@code b · members}. */
    public float[] entropies() {
        return entropies;
    }

    /** Backing array, laid out like {@link #entropies()}. */
    public float[] maxProbs() {
        return maxProbs;
    }

    private int topIndex(int b, int j) {
        if (j < 0 || j >= topCounts[b]) {
            throw new IndexOutOfBoundsException("top index " + j + " of row " + b + " with " + topCounts[b]);
        }
        return b * shape.maxTopLogprobs() + j;
    }
}
