package dev.chorus.engine;

import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.DraftSpec;
import dev.chorus.engine.config.MemberSpec;
import dev.chorus.engine.config.SchedulerSpec;
import dev.chorus.engine.text.StopMatcher;
import dev.chorus.kernels.fusion.FusionInputException;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusions;
import dev.chorus.kernels.fusion.SamplingParams;
import dev.chorus.llama.ChatTemplate;
import dev.chorus.llama.Vocab;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One served collaboration on the shared runtime: its fusion rule and kernel instance, the models it draws slots from,
 * and its requests. {@link #submit} tokenizes and queues a request on the {@link StepLoop}; each step the loop puts
 * the collaboration's sequences into its models' batches, and after their decode this collaboration stages each
 * sampling sequence's logits, fuses and samples them in one call, and delivers the tokens.
 *
 * <p>Threading: {@link #submit} and {@link #stats} may be called from any thread; everything else runs on the step
 * loop's thread.
 */
final class Collaboration implements AutoCloseable {
    /** The history the penalties look at, llama.cpp's default {@code penalty_last_n}. */
    static final int MAX_HISTORY = 64;

    private final CollaborationSpec spec;
    private final FusionRule rule;
    private final StepLoop loop;
    private final List<ModelRuntime> models;
    private final int[] modelOfMember;
    private final List<String> memberNames;
    private final Vocab vocab;
    private final ChatTemplate chatTemplate;
    private final TokenPieces pieces;
    private final int concurrency;
    private final int slotContext;
    private final int maxQueued;
    private final LogitFusion fusion;
    private final FusionStep step;
    private final FusionResult result;
    private final Sequence[] rows;
    /**
     * Per row: how many positions before its sequence's last batch entry its logits are (0 for a plain row; r for a
     * verification row of position k − r), or {@link #DRAFT_ROW} − r for the draft row of proposal r.
     */
    private final int[] rowBack;
    /** Per row: the proposals its sequence verifies this step (0 for a plain row). */
    private final int[] rowProposals;
    /** The draft proposer, when the collaboration speculates with a draft model (the last of {@link #models}). */
    private final DraftProposer proposer;
    private final int draftTokens;
    /** A draft row's rule: the draft's logits, staged as every member of the row, member 0 alone counting. */
    private final FusionRule draftRule;
    /** Gated fusion, or null when every token is fused. */
    private final Gate gate;
    /** A skipped member's logits in a lead row (its weight is 0 there; the kernels only need finite values). */
    private final MemorySegment skippedLogits;
    private final List<Sequence> decoding = new ArrayList<>();
    /** This step's rows whose last draw their grammar refused. */
    private final List<Sequence> redraws = new ArrayList<>();
    /** A first draw's token and the best tokens its kernels reported, for its grammar to check. */
    private final int[] checked = new int[SamplingParams.MAX_TOP_LOGPROBS + 1];
    private final LongAdder proposedTokens = new LongAdder();
    private final LongAdder acceptedTokens = new LongAdder();
    private final LongAdder verifications = new LongAdder();
    /** Requests waiting or active: the admission bound is {@code concurrency + maxQueued}. */
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder steps = new LongAdder();
    private final LongAdder decodeNanos = new LongAdder();
    private final LongAdder fusionNanos = new LongAdder();
    private final LongAdder sampledTokens = new LongAdder();
    private final LongAdder cachedTokens = new LongAdder();
    private final LongAdder redrawnTokens = new LongAdder();

    private static final int DRAFT_ROW = -1;

    /** @param models the runtime of each of {@code spec.slotModels()}, in that order */
    Collaboration(CollaborationSpec spec, List<ModelRuntime> models, ChatTemplate chatTemplate, SchedulerSpec scheduler,
                  StepLoop loop) {
        this.spec = spec;
        this.rule = spec.rule();
        this.loop = loop;
        this.models = List.copyOf(models);
        this.modelOfMember = spec.members().stream().mapToInt(member -> spec.models().indexOf(member.model())).toArray();
        this.memberNames = spec.members().stream().map(MemberSpec::model).toList();
        this.vocab = models.getFirst().model().vocab();
        this.chatTemplate = chatTemplate;
        this.pieces = new TokenPieces(vocab);
        this.concurrency = models.stream().mapToInt(ModelRuntime::slotCount).min().orElseThrow();
        this.slotContext = models.stream().mapToInt(ModelRuntime::slotContext).min().orElseThrow();
        this.maxQueued = scheduler.maxQueued();
        this.draftTokens = spec.draft().map(DraftSpec::maxTokens).orElse(0);
        this.draftRule = DraftProposer.draftRule(rule.members());
        // A speculating sequence fuses a row per proposal and one after them, plus a draft row per proposal.
        // A gated sequence decoded by every member fuses a row of the lead alone and the pooled one (no draft then).
        int maxRows = concurrency * (spec.gate().isPresent() ? 2 : 2 * draftTokens + 1);
        FusionShape shape = new FusionShape(rule.members(), maxRows, vocab.size(), MAX_HISTORY,
                SamplingParams.MAX_TOP_LOGPROBS);
        Function<FusionShape, LogitFusion> open = fusionShape -> scheduler.fusionBackend()
                .map(backend -> LogitFusions.open(fusionShape, backend))
                .orElseGet(() -> LogitFusions.open(fusionShape));
        this.fusion = open.apply(shape);
        this.step = new FusionStep(shape);
        this.result = new FusionResult(shape);
        this.rows = new Sequence[maxRows];
        this.rowBack = new int[maxRows];
        this.rowProposals = new int[maxRows];
        DraftProposer created = null;
        if (spec.draft().isPresent()) {
            try {
                created = new DraftProposer(models.getLast(), models.size() - 1, vocab, concurrency, open);
            } catch (RuntimeException e) {
                fusion.close();
                throw e;
            }
        }
        this.proposer = created;
        this.gate = spec.gate().isPresent() ? new Gate(spec) : null;
        this.skippedLogits = gate == null ? null : MemorySegment.ofArray(new float[vocab.size()]);
    }

    String name() {
        return spec.name();
    }

    CollaborationSpec spec() {
        return spec;
    }

    LogitFusion fusion() {
        return fusion;
    }

    /** The distinct models, in {@code spec.models()} order: a sequence holds one slot in each. */
    List<ModelRuntime> models() {
        return models;
    }

    /** The most sequences it runs at once: the fewest slots among its models. */
    int concurrency() {
        return concurrency;
    }

    int slotContext() {
        return slotContext;
    }

    Vocab vocab() {
        return vocab;
    }

    /** The piece cache of its vocabulary, shared by its token events and the engine's log-probability bytes. */
    TokenPieces pieces() {
        return pieces;
    }

    ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** Speculative decoding's counts: verified rounds, proposed and accepted tokens. */
    SpeculationStats speculationStats() {
        return new SpeculationStats(verifications.sum(), proposedTokens.sum(), acceptedTokens.sum());
    }

    /**
     * A new sequence's draft state, or null when this collaboration has no draft. The sequence speculates unless the
     * request opts out or is constrained or traced (their bias and trace are per decoded position, which verification
     * rows do not carry); otherwise the draft only follows its prompt.
     */
    DraftState newDraftState(GenerationRequest request, boolean constrained) {
        return proposer == null ? null : new DraftState(draftTokens, request.sampling().params(), vocab.size(),
                request.speculative() && !constrained && request.trace() == 0);
    }

    /** A new sequence's gated-fusion state, or null when it fuses every token. */
    GateState newGateState(FusionRule sequenceRule, ConstraintState constraint) {
        return gate == null ? null : gate.newState(sequenceRule, constraint, vocab.size());
    }

    /** Gated fusion's counts since start (zero without a gate). */
    GateStats gateStats() {
        return gate == null ? GateStats.NONE : gate.stats();
    }

    /**
     * Before the step's plan: lets the draft propose tokens for every speculating sequence of this collaboration whose
     * last token is pending in {@code active}; a failed draft decode ends those sequences.
     */
    void propose(List<Sequence> active, int share) {
        if (proposer == null) {
            return;
        }
        decoding.clear();
        for (Sequence sequence : active) {
            if (sequence.collaboration == this && sequence.pending() == 1 && sequence.draft.speculates) {
                decoding.add(sequence);
            }
        }
        if (decoding.isEmpty()) {
            return;
        }
        try {
            proposer.propose(decoding, share);
        } catch (RuntimeException e) {
            for (Sequence sequence : List.copyOf(decoding)) {
                sequence.draft.proposed = 0;
                loop.end(sequence, FinishReason.failedWith(e), Optional.of(StepLoop.describe(e)));
            }
        }
    }

    SchedulerStats stats() {
        return new SchedulerStats(queued.get(), active.get(), steps.sum(), decodeNanos.sum(), fusionNanos.sum(),
                sampledTokens.sum(), cachedTokens.sum(), speculationStats(), redrawnTokens.sum(), gateStats());
    }

    /**
     * Tokenizes and queues a request.
     *
     * @throws IllegalArgumentException when the request cannot run here (fusion overrides, prompt too long)
     * @throws OverloadedException      when every slot is busy and the admission queue is full
     */
    Generation submit(GenerationRequest request) {
        FusionRule requestRule = request.fusion().applyTo(rule).exactForm();
        int[] prompt = promptTokens(request.prompt());
        if (prompt.length >= slotContext) {
            throw new ContextLengthExceeded(request.prompt(), prompt.length, slotContext - 1, spec.name());
        }
        int reserved;
        do {
            reserved = admitted.get();
            if (reserved >= concurrency + maxQueued) {
                throw new OverloadedException(spec.name(), concurrency, maxQueued);
            }
        } while (!admitted.compareAndSet(reserved, reserved + 1));
        ConstraintState constraint;
        try {
            constraint = ConstraintState.open(request, requestRule, vocab);
        } catch (RuntimeException e) {
            admitted.decrementAndGet();
            throw e;
        }
        Generation generation = new Generation(loop::wake);
        queued.incrementAndGet();
        try {
            loop.enqueue(new Sequence(this, request, requestRule, prompt, slotContext, generation, constraint));
        } catch (RuntimeException e) {
            queued.decrementAndGet();
            admitted.decrementAndGet();
            if (constraint != null) {
                constraint.close();
            }
            throw e;
        }
        return generation;
    }

    private int[] promptTokens(Prompt prompt) {
        int[] tokens = switch (prompt) {
            case Prompt.Text text -> vocab.tokenize(text.text(), true, false);
            case Prompt.Tokens given -> given.tokens();
            case Prompt.Chat chat -> vocab.tokenize(ChatTemplates.render(chatTemplate, chat.messages()), true, true);
        };
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the prompt is empty after tokenization");
        }
        for (int token : tokens) {
            if (token < 0 || token >= vocab.size()) {
                throw new IllegalArgumentException("prompt token " + token + " is outside the vocabulary of "
                        + vocab.size());
            }
        }
        return tokens;
    }

    /** A queued sequence left the queue: admitted to its slots ({@code running}) or ended before. */
    void dequeued(boolean running) {
        queued.decrementAndGet();
        if (running) {
            active.incrementAndGet();
        } else {
            admitted.decrementAndGet();
        }
    }

    /** A running sequence ended and gave its slots back. */
    void ended() {
        active.decrementAndGet();
        admitted.decrementAndGet();
    }

    void countCached(int tokens) {
        cachedTokens.add(tokens);
    }

    /** Starts this step's planning: no rows yet. */
    void clearStep() {
        step.clear();
        Arrays.fill(rows, null);
    }

    /**
     * Gives {@code sequence}, whose last pending token is in this step's batches, a fusion row. A gated sequence's is
     * the lead's alone, or the pooled one once its other models caught up; one every member decoded in step gets both,
     * the lead's first.
     */
    void addRow(Sequence sequence) {
        GateState gate = sequence.gate;
        addRow(sequence, gate == null ? sequence.rule : gate.rowRule());
        if (gate != null && gate.lockstep) {
            addRow(sequence, sequence.rule);
        }
    }

    private void addRow(Sequence sequence, FusionRule rowRule) {
        SamplingParams sampling = sequence.constraint == null ? sequence.request.fusedSampling()
                : sequence.constraint.firstSampling();
        int row = step.add(rowRule, sampling, sequence.request.choice(), sequence.generated(), sequence.tokens,
                sequence.length());
        if (sequence.constraint != null) {
            step.bias(row, sequence.constraint.firstBias());
        }
        rows[row] = sequence;
        rowBack[row] = 0;
        rowProposals[row] = 0;
    }

    /**
     * Gives a sequence whose pending token and {@code k} proposals are in this step's batches its verification rows:
     * one per position (each with the history up to it), the first k verifying the proposals, and when it samples a
     * draft row per proposal rebuilding the distribution the proposal was drawn from. Each verification row is the
     * row {@link #addRow} would give the sequence at that position (rule, sampling, stream, step index, history), so
     * the collaboration's own fused distribution, whatever its method, decides every token.
     */
    void addSpeculativeRows(Sequence sequence, int k) {
        SamplingParams sampling = sequence.request.fusedSampling();
        int first = step.batch();
        for (int r = 0; r <= k; r++) {
            int row = step.add(sequence.rule, sampling, sequence.request.choice(), sequence.generated() + r,
                    sequence.tokens, sequence.length() + r);
            rows[row] = sequence;
            rowBack[row] = k - r;
            rowProposals[row] = k;
        }
        for (int r = 0; r < k; r++) {
            int draftRow = FusionStep.NO_PROPOSAL;
            if (!sampling.greedy()) {
                draftRow = step.add(draftRule, sequence.draft.sampling, sequence.request.choice(),
                        sequence.generated() + r, sequence.tokens, sequence.length() + r);
                rows[draftRow] = sequence;
                rowBack[draftRow] = DRAFT_ROW - r;
                rowProposals[draftRow] = k;
            }
            step.propose(first + r, sequence.tokens[sequence.length() + r], draftRow);
        }
    }

    boolean hasRows() {
        return step.batch() > 0;
    }

    /**
     * After the decode: stages every row's logits from its members' models, fuses and samples them, and delivers the
     * tokens through {@code loop}, which ends the sequences that finish. A constrained row that drew first and whose
     * token its grammar refuses is fused again ({@link ConstraintState#drawsFirst}).
     */
    void fuseAndDeliver(long decodeNanosOfStep) {
        long start = System.nanoTime();
        steps.increment();
        decodeNanos.add(decodeNanosOfStep);
        int batch = step.batch();
        if (!stageAndFuse()) {
            return;
        }
        sampledTokens.add(batch);
        redraws.clear();
        for (int b = 0; b < batch; b++) {
            Sequence sequence = rows[b];
            if (rowProposals[b] == 0 && sequence.constraint != null && sequence.constraint.drawsFirst()) {
                int token = settleUnmaskedDraw(sequence, b);
                if (token < 0) {
                    redraws.add(sequence);
                } else {
                    deliver(sequence, b, token, Float.NaN);
                }
            } else if (rowProposals[b] == 0 && sequence.gate != null) {
                b = deliverGated(sequence, b);
            } else if (rowProposals[b] == 0) {
                deliver(sequence, b, result.token(b), result.logprob(b));
            } else if (rowBack[b] == rowProposals[b]) {
                deliverVerified(sequence, b, rowProposals[b]);
            }
        }
        if (!redraws.isEmpty()) {
            drawUnderMask();
        }
        fusionNanos.add(System.nanoTime() - start);
    }

    /**
     * The token an unmasked draw settles on, or −1 to draw again: the drawn token when the grammar allows it (asked
     * about alone, the common case); for a greedy row, else the first its grammar allows of the best tokens its
     * kernels reported (the masked argmax).
     * Its log-probability is the unmasked distribution's, which the request does not read.
     */
    private int settleUnmaskedDraw(Sequence sequence, int row) {
        int drawn = result.token(row);
        checked[0] = drawn;
        if (sequence.constraint.firstAllowed(checked, 1) == 0) {
            return drawn;
        }
        int count = 0;
        for (int j = 0; j < result.topCount(row); j++) {
            if (result.topToken(row, j) != drawn) {
                checked[count++] = result.topToken(row, j);
            }
        }
        int found = count == 0 ? -1 : sequence.constraint.firstAllowed(checked, count);
        return found < 0 ? -1 : checked[found];
    }

    /** Fuses the rows of {@link #redraws} again under their grammars' masks, each with its redraw's key. */
    private void drawUnderMask() {
        clearStep();
        for (Sequence sequence : redraws) {
            int row = step.add(sequence.rule, sequence.constraint.redrawSampling(), sequence.request.choice(),
                    sequence.generated(), sequence.tokens, sequence.length());
            step.bias(row, sequence.constraint.nextBias());
            rows[row] = sequence;
            rowBack[row] = 0;
            rowProposals[row] = 0;
            redrawnTokens.increment();
        }
        redraws.clear();
        if (!stageAndFuse()) {
            return;
        }
        for (int b = 0; b < step.batch(); b++) {
            deliver(rows[b], b, result.token(b), result.logprob(b));
        }
    }

    /** Stages every row's logits and fuses the step; on bad logits ends the rows' sequences and returns false. */
    private boolean stageAndFuse() {
        int batch = step.batch();
        MemorySegment staging = fusion.logits();
        long rowBytes = (long) vocab.size() * Float.BYTES;
        FusionShape shape = fusion.shape();
        for (int b = 0; b < batch; b++) {
            Sequence sequence = rows[b];
            if (rowBack[b] < 0) {
                // Every member of the row gets the draft's logits: the kernels check each member's row.
                float[] draftLogits = sequence.draft.logits(DRAFT_ROW - rowBack[b]);
                for (int m = 0; m < modelOfMember.length; m++) {
                    MemorySegment.copy(draftLogits, 0, staging, ValueLayout.JAVA_FLOAT,
                            shape.rowOffset(m, b) * Float.BYTES, draftLogits.length);
                }
                continue;
            }
            for (int m = 0; m < modelOfMember.length; m++) {
                int model = modelOfMember[m];
                MemorySegment logits = decodedAt(sequence, model) ? logits(sequence, model, rowBack[b]) : skippedLogits;
                MemorySegment.copy(logits, 0, staging, shape.rowOffset(m, b) * Float.BYTES, rowBytes);
            }
        }
        try {
            fusion.fuse(step, result);
            return true;
        } catch (FusionInputException e) {
            for (int b = 0; b < batch; b++) {
                loop.end(rows[b], FinishReason.failedWith(e), Optional.of(StepLoop.describe(e)));
            }
            return false;
        }
    }

    /**
     * Delivers a gated sequence's token from its row(s) starting at {@code row}, and returns its last row: the lead's
     * when it is sure, else the pooled one (the row itself after a catch-up, the next one when every member decoded in
     * step). A lead row the lead is unsure of, alone, delivers nothing: it keeps the lead's logits for the position,
     * to be pooled once the other models caught up.
     */
    private int deliverGated(Sequence sequence, int row) {
        GateState state = sequence.gate;
        int pooled = state.lockstep ? row + 1 : row;
        boolean byLead = !state.catchingUp && gate.leadDecides(result, row);
        if (!byLead && !state.catchingUp && !state.lockstep) {
            state.fuseNext(models.get(state.leadModel).logits(sequence.entries[state.leadModel]));
            return row;
        }
        gate.count(state, byLead);
        int decided = byLead ? row : pooled;
        deliver(sequence, decided, result.token(decided), result.logprob(decided));
        state.delivered(byLead);
        return pooled;
    }

    /** Whether model {@code model} has logits for a row of {@code sequence} this step: a gate's skipped ones do not. */
    private static boolean decodedAt(Sequence sequence, int model) {
        return sequence.gate == null || sequence.gate.hasLogits(model);
    }

    /**
     * Model {@code model}'s logits for a row of {@code sequence}, {@code back} positions before its last batch entry;
     * while a gated sequence's other models catch up, the lead's are the ones it kept from the step before.
     */
    private MemorySegment logits(Sequence sequence, int model, int back) {
        GateState state = sequence.gate;
        return state != null && state.catchingUp && !state.lags(model) ? state.leadLogits()
                : models.get(model).logits(sequence.entries[model] - back);
    }

    /**
     * Delivers a verified proposal from its first row: the accepted proposals, then the token of the first row that
     * did not accept (the residual draw, or the free draw after the last proposal). The cells of rejected positions
     * are removed first, from the collaboration's models and the draft, so the sequence's cells are its tokens.
     */
    private void deliverVerified(Sequence sequence, int first, int k) {
        DraftState state = sequence.draft;
        int accepted = 0;
        while (accepted < k && result.accepted(first + accepted)) {
            accepted++;
        }
        int kept = sequence.decoded() - (k - accepted);
        sequence.rewind(kept);
        for (int i = 0; i < models.size() - 1; i++) {
            models.get(i).trim(sequence.slots[i], kept);
        }
        state.decoded = Math.min(state.decoded, kept);
        proposer.draft().trim(sequence.slots[models.size() - 1], state.decoded);
        state.adapt(accepted, k);
        state.proposed = 0;
        verifications.increment();
        proposedTokens.add(k);
        acceptedTokens.add(accepted);
        for (int r = 0; r <= accepted && deliver(sequence, first + r, result.token(first + r), result.logprob(first + r));
             r++) {
            // each delivery may end the sequence (end of text, stop string, length)
        }
    }

    /** Delivers row {@code row}'s {@code token} to its sequence; returns whether the sequence goes on. */
    private boolean deliver(Sequence sequence, int row, int token, float logprob) {
        if (vocab.isEog(token)) {
            loop.end(sequence, FinishReason.STOP, Optional.empty());
            return false;
        }
        StopMatcher.Outcome outcome = sequence.accept(token, pieces.bytes(token));
        int reported = sequence.request.sampling().params().topLogprobs();
        Optional<StepTrace> trace = sequence.request.trace() == 0 ? Optional.empty()
                : Optional.of(trace(sequence, row, token));
        sequence.generation.emit(new GenerationEvent.Token(token, outcome.text(), logprob,
                topLogprobs(row, reported), memberStats(sequence, row), trace));
        if (outcome.stopped()) {
            loop.end(sequence, FinishReason.STOP, Optional.empty());
            return false;
        } else if (sequence.generated() >= sequence.request.maxTokens() || sequence.contextFull()) {
            loop.end(sequence, FinishReason.LENGTH, Optional.empty());
            return false;
        }
        return true;
    }

    /** Row {@code row}'s {@code count} most likely fused tokens (the kernels may have found more, for a trace). */
    private List<TokenLogprob> topLogprobs(int row, int count) {
        List<TokenLogprob> top = new ArrayList<>(count);
        for (int j = 0; j < count; j++) {
            int token = result.topToken(row, j);
            top.add(new TokenLogprob(token, pieces.text(token), result.topLogprob(row, j)));
        }
        return top;
    }

    /**
     * The step's trace; the members' logits are still their models' outputs of this step's decode. A token the gate's
     * lead decided alone lists the members on the lead's model only.
     */
    private StepTrace trace(Sequence sequence, int row, int token) {
        int count = sequence.request.trace();
        List<StepTrace.Member> members = new ArrayList<>(memberNames.size());
        for (int m = 0; m < memberNames.size(); m++) {
            int model = modelOfMember[m];
            if (!decodedAt(sequence, model)) {
                continue;
            }
            MemorySegment logits = logits(sequence, model, 0);
            members.add(StepTracer.member(memberNames.get(m), logits, vocab.size(), sequence.rule.temperature(m),
                    result.memberMaxProb(row, m), token, count, pieces::text));
        }
        return new StepTrace(topLogprobs(row, count), members);
    }

    /** The statistics of the members that decoded the row's position (a gate's skipped ones did not). */
    private List<MemberStats> memberStats(Sequence sequence, int row) {
        List<MemberStats> stats = new ArrayList<>(memberNames.size());
        for (int m = 0; m < memberNames.size(); m++) {
            if (!decodedAt(sequence, modelOfMember[m])) {
                continue;
            }
            stats.add(new MemberStats(memberNames.get(m), result.memberEntropy(row, m), result.memberMaxProb(row, m)));
        }
        return stats;
    }

    @Override
    public void close() {
        fusion.close();
        if (proposer != null) {
            proposer.close();
        }
    }
}
