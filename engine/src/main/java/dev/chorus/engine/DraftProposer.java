package dev.chorus.engine;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.llama.Vocab;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The proposal half of draft-model speculative decoding for one collaboration. Before the step loop plans its batches,
 * the draft model runs autoregressively for every decoding sequence of the collaboration: each round feeds the tokens
 * the draft's cells lack, decodes them (all sequences in one batch), and draws the next proposal from the draft's
 * distribution with the request's own sampling, stream, step index and history, so that the verifying fusion can
 * rebuild exactly that distribution (its draft rows, {@code kernels/FUSION.md} step 9). The proposals go into the
 * sequence's tokens past its length; the collaboration then verifies them in one batched decode of its models.
 */
final class DraftProposer implements AutoCloseable {
    /** The draft alone: its logits at temperature 1 (the request's sampling applies on top, as for any row). */
    private static final FusionRule DRAFT_RULE = draftRule(1);

    private final ModelRuntime draft;
    private final int draftIndex;
    private final Vocab vocab;
    private final LogitFusion fusion;
    private final FusionStep step;
    private final FusionResult result;
    private final List<Sequence> proposing = new ArrayList<>();
    private final Sequence[] rows;
    private final int[] entries;

    /**
     * @param draft      the draft model's runtime: slot {@code draftIndex} of each sequence
     * @param concurrency the most sequences of the collaboration
     * @param open       opens a fusion backend for a shape (the collaboration's choice)
     */
    DraftProposer(ModelRuntime draft, int draftIndex, Vocab vocab, int concurrency,
                  Function<FusionShape, LogitFusion> open) {
        this.draft = draft;
        this.draftIndex = draftIndex;
        this.vocab = vocab;
        FusionShape shape = new FusionShape(1, concurrency, vocab.size(), Collaboration.MAX_HISTORY, 0);
        this.fusion = open.apply(shape);
        this.step = new FusionStep(shape);
        this.result = new FusionResult(shape);
        this.rows = new Sequence[concurrency];
        this.entries = new int[concurrency];
    }

    /**
     * The draft's distribution as a row of a fusion step of {@code members} members, its logits staged as member 0:
     * a linear pool weighting member 0 alone passes its log-probabilities through bit for bit (FUSION.md step 2), so
     * the verifying row sees exactly the distribution the proposal was drawn from.
     */
    static FusionRule draftRule(int members) {
        float[] weights = new float[members];
        weights[0] = 1f;
        return FusionRule.of(FusionMethod.LINEAR, weights);
    }

    ModelRuntime draft() {
        return draft;
    }

    /**
     * Proposes tokens for each of {@code decoding} (sequences of this collaboration whose last token is pending) as far
     * as its adaptive length, its remaining tokens and its context allow.
     *
     * @param share the draft's share of the CPU budget (it decodes alone in this phase)
     */
    void propose(List<Sequence> decoding, int share) {
        proposing.clear();
        for (Sequence sequence : decoding) {
            DraftState state = sequence.draft;
            state.proposed = 0;
            state.wanted = state.nextLength(sequence.request.maxTokens() - sequence.generated(),
                    sequence.contextLeft());
            if (state.wanted > 0) {
                proposing.add(sequence);
            }
        }
        while (!proposing.isEmpty()) {
            draft.clearBatch();
            step.clear();
            for (Sequence sequence : proposing) {
                DraftState state = sequence.draft;
                int end = sequence.length() + state.proposed;
                for (int position = state.decoded; position < end; position++) {
                    entries[step.batch()] = draft.add(this, sequence.tokens[position], position,
                            sequence.slots[draftIndex], position == end - 1);
                }
                state.decoded = end;
                rows[step.add(DRAFT_RULE, state.sampling, sequence.request.choice(),
                        sequence.generated() + state.proposed, sequence.tokens, end)] = sequence;
            }
            draft.decode(draft.threadsFor(share));
            long rowBytes = (long) vocab.size() * Float.BYTES;
            for (int b = 0; b < step.batch(); b++) {
                MemorySegment.copy(draft.logits(entries[b]), 0, fusion.logits(),
                        fusion.shape().rowOffset(0, b) * Float.BYTES, rowBytes);
            }
            fusion.fuse(step, result);
            for (int b = 0; b < step.batch(); b++) {
                Sequence sequence = rows[b];
                DraftState state = sequence.draft;
                int token = result.token(b);
                if (state.keepsLogits()) {
                    MemorySegment.copy(fusion.logits(), ValueLayout.JAVA_FLOAT,
                            fusion.shape().rowOffset(0, b) * Float.BYTES, state.logits(state.proposed), 0,
                            vocab.size());
                }
                sequence.tokens[sequence.length() + state.proposed++] = token;
                if (vocab.isEog(token)) {
                    state.wanted = state.proposed; // nothing follows the end of the text
                }
            }
            proposing.removeIf(sequence -> sequence.draft.proposed == sequence.draft.wanted);
        }
    }

    @Override
    public void close() {
        fusion.close();
    }
}
