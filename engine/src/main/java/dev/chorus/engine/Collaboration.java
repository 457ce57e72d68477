package dev.chorus.engine;

import dev.chorus.engine.config.CollaborationSpec;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

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
    /** Requests waiting or active: the admission bound is {@code concurrency + maxQueued}. */
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder steps = new LongAdder();
    private final LongAdder decodeNanos = new LongAdder();
    private final LongAdder fusionNanos = new LongAdder();
    private final LongAdder sampledTokens = new LongAdder();
    private final LongAdder cachedTokens = new LongAdder();

    /** @param models the runtime of each of {@code spec.models()}, in that order */
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
        FusionShape shape = new FusionShape(rule.members(), concurrency, vocab.size(), MAX_HISTORY,
                SamplingParams.MAX_TOP_LOGPROBS);
        this.fusion = scheduler.fusionBackend().map(backend -> LogitFusions.open(shape, backend))
                .orElseGet(() -> LogitFusions.open(shape));
        this.step = new FusionStep(shape);
        this.result = new FusionResult(shape);
        this.rows = new Sequence[concurrency];
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

    SchedulerStats stats() {
        return new SchedulerStats(queued.get(), active.get(), steps.sum(), decodeNanos.sum(), fusionNanos.sum(),
                sampledTokens.sum(), cachedTokens.sum());
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
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; collaboration '"
                    + spec.name() + "' allows at most " + (slotContext - 1) + " per request");
        }
        int reserved;
        do {
            reserved = admitted.get();
            if (reserved >= concurrency + maxQueued) {
                throw new OverloadedException(spec.name(), concurrency, maxQueued);
            }
        } while (!admitted.compareAndSet(reserved, reserved + 1));
        Generation generation = new Generation(loop::wake);
        queued.incrementAndGet();
        try {
            loop.enqueue(new Sequence(this, request, requestRule, prompt, slotContext, generation));
        } catch (RuntimeException e) {
            queued.decrementAndGet();
            admitted.decrementAndGet();
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

    /** Gives {@code sequence}, whose last pending token is in this step's batches, a fusion row. */
    void addRow(Sequence sequence) {
        int row = step.add(sequence.rule, sequence.request.sampling().params(), sequence.request.choice(), sequence.generated(),
                sequence.tokens, sequence.length());
        rows[row] = sequence;
    }

    boolean hasRows() {
        return step.batch() > 0;
    }

    /**
     * After the decode: stages every row's logits from its members' models, fuses and samples them, and delivers the
     * tokens through {@code loop}, which ends the sequences that finish.
     */
    void fuseAndDeliver(long decodeNanosOfStep) {
        long start = System.nanoTime();
        steps.increment();
        decodeNanos.add(decodeNanosOfStep);
        int batch = step.batch();
        MemorySegment staging = fusion.logits();
        long rowBytes = (long) vocab.size() * Float.BYTES;
        FusionShape shape = fusion.shape();
        for (int b = 0; b < batch; b++) {
            Sequence sequence = rows[b];
            for (int m = 0; m < modelOfMember.length; m++) {
                int model = modelOfMember[m];
                MemorySegment logits = models.get(model).logits(sequence.entries[model]);
                MemorySegment.copy(logits, 0, staging, shape.rowOffset(m, b) * Float.BYTES, rowBytes);
            }
        }
        try {
            fusion.fuse(step, result);
            fusionNanos.add(System.nanoTime() - start);
            sampledTokens.add(batch);
        } catch (FusionInputException e) {
            for (int b = 0; b < batch; b++) {
                loop.end(rows[b], FinishReason.failedWith(e), Optional.of(StepLoop.describe(e)));
            }
            return;
        }
        for (int b = 0; b < batch; b++) {
            deliver(rows[b], b);
        }
    }

    private void deliver(Sequence sequence, int row) {
        int token = result.token(row);
        if (vocab.isEog(token)) {
            loop.end(sequence, FinishReason.STOP, Optional.empty());
            return;
        }
        StopMatcher.Outcome outcome = sequence.accept(token, pieces.bytes(token));
        sequence.generation.emit(new GenerationEvent.Token(token, outcome.text(), result.logprob(row),
                topLogprobs(row), memberStats(row)));
        if (outcome.stopped()) {
            loop.end(sequence, FinishReason.STOP, Optional.empty());
        } else if (sequence.generated() >= sequence.request.maxTokens() || sequence.contextFull()) {
            loop.end(sequence, FinishReason.LENGTH, Optional.empty());
        }
    }

    private List<TokenLogprob> topLogprobs(int row) {
        List<TokenLogprob> top = new ArrayList<>(result.topCount(row));
        for (int j = 0; j < result.topCount(row); j++) {
            int token = result.topToken(row, j);
            top.add(new TokenLogprob(token, pieces.text(token), result.topLogprob(row, j)));
        }
        return top;
    }

    private List<MemberStats> memberStats(int row) {
        List<MemberStats> stats = new ArrayList<>(memberNames.size());
        for (int m = 0; m < memberNames.size(); m++) {
            stats.add(new MemberStats(memberNames.get(m), result.memberEntropy(row, m), result.memberMaxProb(row, m)));
        }
        return stats;
    }

    @Override
    public void close() {
        fusion.close();
    }
}
