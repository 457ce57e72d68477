package dev.chorus.engine;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.SamplingParams;
import dev.chorus.llama.Grammar;
import dev.chorus.llama.Vocab;

import java.util.Map;

/**
 * A sequence's {@link Constraint} on the step loop: its grammar's matching state and the bias row it gives the
 * fusion step each token (the grammar's mask, then the logit biases on the tokens it allows). Compiled when the
 * request is submitted, so a bad grammar is refused before anything is queued; closed when the sequence finishes.
 *
 * <p>A mask of a grammar state not seen before can cost a pass of llama.cpp's grammar over most of the vocabulary.
 * When the request allows it ({@link #drawsFirst}), a step instead draws from the distribution without the mask and
 * asks the grammar about that one token; only when the grammar refuses it does the step draw again, under the mask
 * and with a key of its own. That gives the masked distribution's token exactly: the argmax of a greedy row is the
 * masked argmax whenever it is allowed, and a draw from q kept when allowed, else a draw from q restricted to the
 * allowed set A, yields a ∈ A with probability q(a) + (1 − q(A)) · q(a)/q(A) = q(a)/q(A). It needs the allowed tokens' sampling scores
 * to be the masked row's up to one constant: no filter (top-k, top-p and min-p are taken over the allowed set), no
 * repetition penalty (it is not shift-invariant, and the mask's renormalisation shifts the fused logits it acts
 * on), not contrastive (the plausible set is taken among allowed tokens), and no log-probabilities read (they are
 * the masked distribution's). A sampled step in a grammar state the sequence was in before has its mask at the cost
 * of a copy ({@link Grammar#revisits}), so it fuses under it at once: one fusion, where a refused draw costs more; a
 * greedy step draws first wherever it is ({@link #drawsFirst}).
 */
final class ConstraintState implements AutoCloseable {
    /**
     * XORed into the seed of the draw under the mask after a refused first draw: a refused draw's uniform is not
     * uniform once the grammar refused its token, so the second draw has a key of its own.
     */
    static final long REDRAW_KEY = 0x9E3779B97F4A7C15L;

    private final Vocab vocab;
    private final Grammar grammar;
    private final int[] biasedTokens;
    private final float[] biases;
    private final float[] row;
    /** The logit biases alone, for a first draw (null without any, or when the state does not draw first). */
    private final float[] firstDrawRow;
    /**
     * The sampling of a step's fusions by attempt: the first draw, then the draw under the mask; just the request's
     * when the state never draws first.
     */
    private final SamplingParams[] draws;
    /** The request's own sampling, for a step fused under the mask at once. */
    private final SamplingParams sampling;
    /** Whether this token's step draws first: decided at its first question, forgotten at {@link #accept}. */
    private Boolean drawingFirst;

    private ConstraintState(Vocab vocab, Grammar grammar, Map<Integer, Float> logitBias, SamplingParams sampling,
            SamplingParams[] draws) {
        this.vocab = vocab;
        this.grammar = grammar;
        this.biasedTokens = logitBias.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        this.biases = new float[biasedTokens.length];
        for (int j = 0; j < biasedTokens.length; j++) {
            biases[j] = logitBias.get(biasedTokens[j]);
        }
        this.row = new float[vocab.size()];
        this.sampling = sampling;
        this.draws = draws;
        this.firstDrawRow = draws.length > 1 && biases.length > 0 ? new float[vocab.size()] : null;
        if (grammar == null) {
            applyLogitBias(row);
        }
        if (firstDrawRow != null) {
            applyLogitBias(firstDrawRow);
        }
    }

    /**
     * The state of {@code request}'s constraint over {@code vocab}, or null when it constrains nothing.
     *
     * @param rule the request's fusion rule
     * @throws InvalidRequest when a biased token is outside the vocabulary or llama.cpp rejects the grammar
     */
    static ConstraintState open(GenerationRequest request, FusionRule rule, Vocab vocab) {
        Constraint constraint = request.constraint();
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
        SamplingParams sampling = request.fusedSampling();
        boolean drawsFirst = grammar != null && !request.logprobs() && sampling.topLogprobs() == 0
                && rule.method() != FusionMethod.CONTRASTIVE && sampling.repetitionPenalty() == 1f
                && (sampling.greedy() || unfiltered(sampling, vocab.size()));
        // An unpenalised greedy row ranks its tokens by their scores, so its kernels report the best ones: when the
        // grammar refuses the argmax, the first of them it allows is the masked argmax.
        SamplingParams first = drawsFirst && sampling.greedy() && !sampling.penalised()
                ? with(sampling, sampling.seed(), SamplingParams.MAX_TOP_LOGPROBS) : sampling;
        SamplingParams[] draws = drawsFirst
                ? new SamplingParams[] {first, with(sampling, sampling.seed() ^ REDRAW_KEY, sampling.topLogprobs())}
                : new SamplingParams[] {sampling};
        return new ConstraintState(vocab, grammar, constraint.logitBias(), sampling, draws);
    }

    private static SamplingParams with(SamplingParams sampling, long seed, int topLogprobs) {
        return new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(), sampling.minP(),
                sampling.repetitionPenalty(), sampling.presencePenalty(), sampling.frequencyPenalty(), seed, topLogprobs);
    }

    /** Whether no filter of FUSION.md step 6 acts: each is off at these values. */
    private static boolean unfiltered(SamplingParams sampling, int vocabSize) {
        return (sampling.topK() == 0 || sampling.topK() >= vocabSize) && sampling.topP() == 1f && sampling.minP() == 0f;
    }

    /**
     * Whether this step first draws without the grammar's mask ({@link #firstBias}, {@link #firstSampling}) and keeps
     * the token {@link #firstAllowed} finds; when refused, it draws again ({@link #redrawSampling}) under
     * {@link #nextBias}. A greedy row always does: a refused argmax is settled from the best tokens its kernels
     * reported, so it seldom costs a second fusion, where a fusion under the mask costs passes over the row every
     * step. A sampled row does not in a grammar state the sequence has been in before ({@link Grammar#revisits}):
     * its mask is known, so the step fuses under it at once rather than risk a second fusion.
     */
    boolean drawsFirst() {
        if (drawingFirst == null) {
            drawingFirst = draws.length > 1 && (sampling.greedy() || !grammar.revisits());
        }
        return drawingFirst;
    }

    /** The bias row of this step's fusion: {@link #nextBias}, or for a first draw the logit biases alone (or null). */
    float[] firstBias() {
        return drawsFirst() ? firstDrawRow : nextBias();
    }

    /**
     * The sampling of this step's fusion: the request's, except that a greedy first draw has its kernels report its
     * {@value SamplingParams#MAX_TOP_LOGPROBS} best tokens (it reads none of them).
     */
    SamplingParams firstSampling() {
        return drawsFirst() ? draws[0] : sampling;
    }

    /**
     * The index of the first of {@code tokens[0 .. count)} the grammar allows next, or −1; a token it allows may then
     * be {@link #accept accepted}.
     */
    int firstAllowed(int[] tokens, int count) {
        return grammar.firstAllowed(tokens, count);
    }

    /** The sampling of the draw under the mask after a refused first draw: the request's, with a key of its own. */
    SamplingParams redrawSampling() {
        return draws[1];
    }

    /** The bias row for the next token: read by this step's fusion, rewritten at the next. */
    float[] nextBias() {
        if (grammar != null) {
            grammar.mask(row);
            applyLogitBias(row);
        }
        return row;
    }

    /**
     * Advances the grammar by the token sampled under the last {@link #nextBias}, or allowed by {@link #allows} (an
     * EOG token ends it instead).
     */
    void accept(int token) {
        drawingFirst = null;
        if (grammar != null && !vocab.isEog(token)) {
            grammar.accept(token);
        }
    }

    /** Adds the logit biases to the tokens {@code bias} still allows (a bias never revives a masked token). */
    private void applyLogitBias(float[] bias) {
        for (int j = 0; j < biasedTokens.length; j++) {
            bias[biasedTokens[j]] += biases[j];
        }
    }

    @Override
    public void close() {
        if (grammar != null) {
            grammar.close();
        }
    }
}
