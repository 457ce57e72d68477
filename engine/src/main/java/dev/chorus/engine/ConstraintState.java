package dev.chorus.engine;

import dev.chorus.llama.Grammar;
import dev.chorus.llama.Vocab;

import java.util.Map;

/**
 * A sequence's {@link Constraint} on the step loop: its grammar's matching state and the bias row it gives the
 * fusion step each token (the grammar's mask, then the logit biases on the tokens it allows). Compiled when the
 * request is submitted, so a bad grammar is refused before anything is queued; closed when the sequence finishes.
 */
final class ConstraintState implements AutoCloseable {
    private final Vocab vocab;
    private final Grammar grammar;
    private final int[] biasedTokens;
    private final float[] biases;
    private final float[] row;

    private ConstraintState(Vocab vocab, Grammar grammar, Map<Integer, Float> logitBias) {
        this.vocab = vocab;
        this.grammar = grammar;
        this.biasedTokens = logitBias.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        this.biases = new float[biasedTokens.length];
        for (int j = 0; j < biasedTokens.length; j++) {
            biases[j] = logitBias.get(biasedTokens[j]);
        }
        this.row = new float[vocab.size()];
        if (grammar == null) {
            applyLogitBias();
        }
    }

    /**
     * The state of {@code constraint} over {@code vocab}, or null when it constrains nothing.
     *
     * @throws InvalidRequest when a biased token is outside the vocabulary or llama.cpp rejects the grammar
     */
    static ConstraintState open(Constraint constraint, Vocab vocab) {
        if (constraint.isNone()) {
            return null;
        }
        for (int token : constraint.logitBias().keySet()) {
            if (token >= vocab.size()) {
                throw new InvalidRequest("logit_bias", "'logit_bias' names token " + token
                        + ", outside the vocabulary of " + vocab.size() + ".");
            }
        }
        Grammar grammar = null;
        if (constraint.grammar().isPresent()) {
            try {
                grammar = Grammar.compile(vocab, constraint.grammar().get(), "root");
            } catch (IllegalArgumentException e) {
                throw new InvalidRequest("grammar", e.getMessage());
            }
        }
        return new ConstraintState(vocab, grammar, constraint.logitBias());
    }

    /** The bias row for the next token: read by this step's fusion, rewritten at the next. */
    float[] nextBias() {
        if (grammar != null) {
            grammar.mask(row);
            applyLogitBias();
        }
        return row;
    }

    /** Advances the grammar by the token sampled from the last {@link #nextBias} (an EOG token ends it instead). */
    void accept(int token) {
        if (grammar != null && !vocab.isEog(token)) {
            grammar.accept(token);
        }
    }

    /** Adds the logit biases to the tokens still allowed (a bias never revives a masked token). */
    private void applyLogitBias() {
        for (int j = 0; j < biasedTokens.length; j++) {
            row[biasedTokens[j]] += biases[j];
        }
    }

    @Override
    public void close() {
        if (grammar != null) {
            grammar.close();
        }
    }
}
