package dev.chorus.kernels.fusion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One step's request for up to {@code maxBatch} sequences: each row's rule, sampling, RNG stream, step
 * index and penalty history. Sized once by a {@link FusionShape} and reused ({@link #clear()}, then
 * {@link #add} per sequence) so that a step allocates nothing.
 */
public final class FusionStep {

    /** No proposal to verify, or no draft row. */
    public static final int NO_PROPOSAL = -1;

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private final FusionShape shape;
    private final FusionRule[] rules;
    private final SamplingParams[] samplings;
    private final int[] streams;
    private final int[] steps;
    private final int[] historyLengths;
    private final int[] history;
    private final int[] proposals;
    private final int[] draftRows;
    private final float[][] biases;
    private int batch;

    public FusionStep(FusionShape shape) {
        this.shape = shape;
        int rows = shape.maxBatch();
        rules = new FusionRule[rows];
        samplings = new SamplingParams[rows];
        streams = new int[rows];
        steps = new int[rows];
        historyLengths = new int[rows];
        history = new int[rows * shape.maxHistory()];
        proposals = new int[rows];
        draftRows = new int[rows];
        biases = new float[rows][];
    }

    /** Forgets every row; the next {@link #add} is row 0. */
    public void clear() {
        Arrays.fill(rules, 0, batch, null);
        Arrays.fill(samplings, 0, batch, null);
        Arrays.fill(biases, 0, batch, null);
        batch = 0;
    }

    /**
     * Adds the next sequence.
     *
     * @param rule          how its members are fused; needs {@code shape.members()} members
     * @param sampling      its sampling; {@code topLogprobs} at most {@code shape.maxTopLogprobs()}
     * @param stream        the RNG stream: the request's choice index, not its slot
     * @param step          the index of the token being generated, 0 for the first
     * @param history       the sequence's tokens (prompt and generated) the penalties look at, oldest first
     * @param historyLength how many of {@code history} are valid; only the last {@code maxHistory} are used
     * @return the row b of this sequence, whose logits the caller writes at {@code (m · maxBatch + b) · V}
     */
    public int add(FusionRule rule, SamplingParams sampling, int stream, int step, int[] history, int historyLength) {
        if (batch == shape.maxBatch()) {
            throw new IllegalStateException("the step already holds maxBatch = " + shape.maxBatch() + " sequences");
        }
        if (rule == null || sampling == null) {
            throw new IllegalArgumentException("rule and sampling are required");
        }
        if (rule.members() != shape.members()) {
            throw new IllegalArgumentException("the rule has " + rule.members() + " members, the shape "
                    + shape.members());
        }
        if (sampling.topLogprobs() > shape.maxTopLogprobs()) {
            throw new IllegalArgumentException("topLogprobs " + sampling.topLogprobs() + " exceeds the shape's "
                    + shape.maxTopLogprobs());
        }
        if (stream < 0 || step < 0) {
            throw new IllegalArgumentException("stream and step must be ≥ 0: " + stream + ", " + step);
        }
        if (historyLength < 0 || historyLength > (history == null ? 0 : history.length)) {
            throw new IllegalArgumentException("historyLength " + historyLength + " outside the history array");
        }
        int used = Math.min(historyLength, shape.maxHistory());
        int first = historyLength - used;
        for (int j = 0; j < used; j++) {
            int token = history[first + j];
            if (token < 0 || token >= shape.vocabSize()) {
                throw new IllegalArgumentException("history token " + token + " outside the vocabulary of "
                        + shape.vocabSize());
            }
        }
        int row = batch++;
        rules[row] = rule;
        samplings[row] = sampling;
        streams[row] = stream;
        steps[row] = step;
        historyLengths[row] = used;
        proposals[row] = NO_PROPOSAL;
        draftRows[row] = NO_PROPOSAL;
        if (used > 0) {
            System.arraycopy(history, first, this.history, row * shape.maxHistory(), used);
        }
        return row;
    }

    /**
     * Makes row {@code row} verify a speculated token instead of drawing freely (step 9 of {@code kernels/FUSION.md}):
     * the row's token is then {@code token} if accepted, else a draw from the residual of the row's distribution
     * over the proposer's. The proposer's distribution is row {@code draftRow} of this step: the proposer's logits
     * under a one-member rule, with the sampling and history it drew {@code token} with. A greedy row compares
     * {@code token} with its argmax and needs no draft row ({@link #NO_PROPOSAL}).
     */
    public void propose(int row, int token, int draftRow) {
        checkRow(row);
        if (token < 0 || token >= shape.vocabSize()) {
            throw new IllegalArgumentException("proposed token " + token + " outside the vocabulary of "
                    + shape.vocabSize());
        }
        boolean needsDraft = !samplings[row].greedy();
        if (needsDraft || draftRow != NO_PROPOSAL) {
            if (draftRow == row || draftRow < 0 || draftRow >= batch) {
                throw new IllegalArgumentException("draft row " + draftRow + " of row " + row
                        + " must be another row of this step" + (needsDraft ? " (the row samples)" : ""));
            }
        }
        if (needsDraft && samplings[draftRow].greedy()) {
            throw new IllegalArgumentException("draft row " + draftRow + " of sampled row " + row
                    + " is greedy: it has no distribution to verify against");
        }
        proposals[row] = token;
        draftRows[row] = draftRow;
    }

    /** Row b's proposed token, or {@link #NO_PROPOSAL} when it draws freely. */
    public int proposal(int b) {
        return proposals[checkRow(b)];
    }

    /** The row holding the proposer's distribution for row b, or {@link #NO_PROPOSAL}. */
    public int draftRow(int b) {
        return draftRows[checkRow(b)];
    }

    /** Whether any row verifies a proposal. */
    public boolean anyProposal() {
        for (int b = 0; b < batch; b++) {
            if (proposals[b] != NO_PROPOSAL) {
                return true;
            }
        }
        return false;
    }

    /**
     * Gives row b an additive bias on its fused scores (FUSION.md step 2b): {@code bias[i]} is added to
     * {@code f_i} before normalisation, {@code −∞} masks token i out. The array is read when the step is
     * fused, not copied: the caller keeps it unchanged until then.
     *
     * @param bias V finite or {@code −∞} entries with at least one finite; null for no bias
     */
    public void bias(int b, float[] bias) {
        checkRow(b);
        if (bias != null) {
            if (bias.length != shape.vocabSize()) {
                throw new IllegalArgumentException("the bias has " + bias.length + " entries, the vocabulary "
                        + shape.vocabSize());
            }
            checkBias(b, bias);
        }
        biases[b] = bias;
    }

    /**
     * Every entry finite or {@code −∞}, one finite at least: lane masks over the row (a constrained row is checked
     * every step, and a scalar loop costs as much as the rest of the bias's work); the offending token is looked for
     * only when there is one.
     */
    private static void checkBias(int b, float[] bias) {
        VectorMask<Float> invalid = SPECIES.maskAll(false);
        VectorMask<Float> allowed = invalid;
        int i = 0;
        for (; i < SPECIES.loopBound(bias.length); i += SPECIES.length()) {
            FloatVector entries = FloatVector.fromArray(SPECIES, bias, i);
            invalid = invalid.or(entries.compare(VectorOperators.LT, Float.POSITIVE_INFINITY).not());
            allowed = allowed.or(entries.compare(VectorOperators.GT, Float.NEGATIVE_INFINITY));
        }
        boolean anyInvalid = invalid.anyTrue();
        boolean anyAllowed = allowed.anyTrue();
        for (; i < bias.length; i++) {
            anyInvalid |= !(bias[i] < Float.POSITIVE_INFINITY);
            anyAllowed |= bias[i] > Float.NEGATIVE_INFINITY;
        }
        if (anyInvalid) {
            for (int token = 0; token < bias.length; token++) {
                if (!(bias[token] < Float.POSITIVE_INFINITY)) {
                    throw new IllegalArgumentException("bias of token " + token + " is " + bias[token]);
                }
            }
        }
        if (!anyAllowed) {
            throw new IllegalArgumentException("the bias of row " + b + " masks every token");
        }
    }

    /** Row b's bias, or null when it has none. */
    public float[] bias(int b) {
        return biases[checkRow(b)];
    }

    /** Whether any row has a bias. */
    public boolean anyBiased() {
        for (int b = 0; b < batch; b++) {
            if (biases[b] != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * For every biased {@code CONTRASTIVE} row, sets the expert's (member 0's) logits of masked tokens to
     * {@code −∞} in {@code logits} (laid out as {@link LogitFusion#logits()}), so that the plausible set is taken
     * among the allowed tokens (FUSION.md step 2b). Every backend calls it before fusing.
     */
    public void maskContrastiveExperts(MemorySegment logits) {
        for (int b = 0; b < batch; b++) {
            float[] bias = biases[b];
            if (bias == null || rules[b].method() != FusionMethod.CONTRASTIVE) {
                continue;
            }
            long row = shape.rowOffset(0, b);
            for (int i = 0; i < bias.length; i++) {
                if (bias[i] == Float.NEGATIVE_INFINITY) {
                    logits.setAtIndex(ValueLayout.JAVA_FLOAT, row + i, Float.NEGATIVE_INFINITY);
                }
            }
        }
    }

    public FusionShape shape() {
        return shape;
    }

    /** The number of rows added since the last {@link #clear()}. */
    public int batch() {
        return batch;
    }

    public FusionRule rule(int b) {
        return rules[checkRow(b)];
    }

    public SamplingParams sampling(int b) {
        return samplings[checkRow(b)];
    }

    public int stream(int b) {
        return streams[checkRow(b)];
    }

    public int step(int b) {
        return steps[checkRow(b)];
    }

    /** How many history tokens row b keeps (at most {@code maxHistory}). */
    public int historyLength(int b) {
        return historyLengths[checkRow(b)];
    }

    /** Row b's j-th kept history token, oldest first. */
    public int history(int b, int j) {
        if (j < 0 || j >= historyLengths[checkRow(b)]) {
            throw new IndexOutOfBoundsException("history index " + j + " of row " + b);
        }
        return history[b * shape.maxHistory() + j];
    }

    /**
     * The packed history, {@code maxBatch × maxHistory}, row b's tokens at {@code b · maxHistory}; the
     * live array for uploads, not to be modified.
     */
    public int[] history() {
        return history;
    }

    private int checkRow(int b) {
        if (b < 0 || b >= batch) {
            throw new IndexOutOfBoundsException("row " + b + " of a batch of " + batch);
        }
        return b;
    }
}
