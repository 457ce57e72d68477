package dev.chorus.engine;

import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.MemberSpec;
import dev.chorus.engine.config.ModelSpec;
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
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.FlashAttention;
import dev.chorus.llama.Model;
import dev.chorus.llama.Vocab;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous batching for one collaboration. Requests wait in a bounded admission queue until a slot (a llama.cpp
 * sequence id, the same in every member context) is free. Each step gathers every active sequence into one batch
 * per member context — one token for each decoding sequence, then prompt chunks up to {@code prefillChunk} tokens
 * in all — decodes the members in parallel, copies each sampling sequence's last logits into the fusion staging
 * buffer, fuses and samples them in one call, and feeds the tokens back. A finished, cancelled or failed sequence
 * frees its KV cells and its slot at once.
 *
 * <p>Threading: {@link #submit} may be called from any thread; everything else runs on the scheduler thread.
 */
final class CollaborationScheduler implements AutoCloseable {
    /** The history the penalties look at, llama.cpp's default {@code penalty_last_n}. */
    static final int MAX_HISTORY = 64;
    private static final System.Logger LOG = System.getLogger(CollaborationScheduler.class.getName());
    private static final int KV_PADDING = 256;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final CollaborationSpec spec;
    private final FusionRule rule;
    private final Model promptModel;
    private final Vocab vocab;
    private final ChatTemplate chatTemplate;
    private final TokenPieces pieces;
    private final int[] contextOfMember;
    private final List<String> memberNames;
    private final int slots;
    private final int slotContext;
    private final int prefillChunk;
    private final int maxQueued;
    private final MemberDecoders decoders;
    private final LogitFusion fusion;
    private final FusionStep step;
    private final FusionResult result;
    private final Queue<Sequence> waiting = new ConcurrentLinkedQueue<>();
    /** Requests waiting or active: the admission bound is {@code slots + maxQueued}. */
    private final AtomicInteger admitted = new AtomicInteger();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final List<Sequence> active = new ArrayList<>();
    private final List<Sequence> planned = new ArrayList<>();
    private final Sequence[] rows;
    private final int[] rowEntries;
    private final Thread thread;
    private final LongAdder steps = new LongAdder();
    private final LongAdder decodeNanos = new LongAdder();
    private final LongAdder fusionNanos = new LongAdder();
    private final LongAdder sampledTokens = new LongAdder();
    /** {@code active.size()} published for other threads; the list itself is the scheduler thread's. */
    private volatile int activeCount;
    private volatile boolean closing;
    /** Set when the scheduler thread has ended, by close or by a fatal error: nothing is admitted after. */
    private volatile boolean stopped;

    CollaborationScheduler(CollaborationSpec spec, ModelRegistry registry, Map<String, ModelSpec> modelSpecs,
                           SchedulerSpec scheduler) {
        this.spec = spec;
        this.rule = spec.rule();
        List<String> models = spec.models();
        List<ModelSpec> specs = models.stream().map(modelSpecs::get).toList();
        this.slots = specs.stream().mapToInt(ModelSpec::slots).min().orElseThrow();
        this.slotContext = specs.stream().mapToInt(ModelSpec::contextSize).min().orElseThrow();
        this.prefillChunk = scheduler.prefillChunk();
        this.maxQueued = scheduler.maxQueued();
        this.contextOfMember = spec.members().stream().mapToInt(member -> models.indexOf(member.model())).toArray();
        this.memberNames = spec.members().stream().map(MemberSpec::model).toList();
        this.promptModel = registry.get(models.getFirst());
        this.vocab = promptModel.vocab();
        this.chatTemplate = ChatTemplates.forModel(promptModel, specs.getFirst().chatTemplate());
        this.pieces = new TokenPieces(vocab);
        int batch = prefillChunk + slots;
        // llama.cpp gives each sequence n_ctx / n_seq_max cells padded up to a multiple of 256; ask for that.
        int cellsPerSlot = Math.ceilDiv(slotContext, KV_PADDING) * KV_PADDING;
        int[] threads = specs.stream().mapToInt(model -> model.threadsAmong(specs.size())).toArray();
        warnIfOversubscribed(spec.name(), threads);
        List<ContextParams> params = new ArrayList<>();
        for (int m = 0; m < specs.size(); m++) {
            params.add(new ContextParams(cellsPerSlot * slots, batch, Math.min(batch, 512), slots, threads[m],
                    FlashAttention.AUTO));
        }
        this.decoders = new MemberDecoders(spec.name(), registry.get(models), params);
        FusionShape shape = new FusionShape(rule.members(), slots, vocab.size(), MAX_HISTORY,
                SamplingParams.MAX_TOP_LOGPROBS);
        try {
            this.fusion = scheduler.fusionBackend().map(backend -> LogitFusions.open(shape, backend))
                    .orElseGet(() -> LogitFusions.open(shape));
        } catch (RuntimeException e) {
            decoders.close();
            throw e;
        }
        this.step = new FusionStep(shape);
        this.result = new FusionResult(shape);
        this.rows = new Sequence[slots];
        this.rowEntries = new int[slots];
        for (int slot = 0; slot < slots; slot++) {
            freeSlots.add(slot);
        }
        this.thread = Thread.ofPlatform().name("chorus-" + spec.name() + "-scheduler").daemon().unstarted(this::run);
        thread.start();
        LOG.log(System.Logger.Level.INFO, "collaboration ''{0}'' ({1}): {2} slots of {3} tokens, fusion on {4} ({5})",
                spec.name(), spec.kind().configName(), slots, slotContext, fusion.backend(), fusion.device());
    }

    /** The members decode at once, so their llama.cpp threads add up; more than the cores stalls ggml's spinning pool. */
    private static void warnIfOversubscribed(String collaboration, int[] threads) {
        int total = Arrays.stream(threads).sum();
        int cores = Runtime.getRuntime().availableProcessors();
        if (total > cores) {
            LOG.log(System.Logger.Level.WARNING, "collaboration ''{0}'' runs {1} llama.cpp threads in parallel on {2}"
                    + " CPUs; decoding will be far slower than with at most {2} (lower the models'' threads)",
                    collaboration, total, cores);
        }
    }

    int slots() {
        return slots;
    }

    int slotContext() {
        return slotContext;
    }

    Vocab vocab() {
        return vocab;
    }

    SchedulerStats stats() {
        return new SchedulerStats(waiting.size(), activeCount, steps.sum(), decodeNanos.sum(), fusionNanos.sum(),
                sampledTokens.sum());
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
        if (closing || stopped) {
            throw new IllegalStateException("collaboration '" + spec.name() + "' is closed");
        }
        int reserved;
        do {
            reserved = admitted.get();
            if (reserved >= slots + maxQueued) {
                throw new OverloadedException(spec.name(), slots, maxQueued);
            }
        } while (!admitted.compareAndSet(reserved, reserved + 1));
        Generation generation = new Generation(this::wake);
        Sequence sequence = new Sequence(request, requestRule, prompt, slotContext, generation);
        waiting.add(sequence);
        if ((closing || stopped) && waiting.remove(sequence)) {
            sequence.finish(FinishReason.CANCELLED, Optional.of("collaboration '" + spec.name() + "' is closed"));
        }
        wake();
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

    private void wake() {
        LockSupport.unpark(thread);
    }

    private void run() {
        Optional<String> ending = Optional.of("the engine closed");
        try {
            while (!closing) {
                endCancelled();
                admitWaiting();
                if (active.isEmpty()) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                    continue;
                }
                try {
                    step();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "step of collaboration '" + spec.name() + "' failed", e);
                    planned.forEach(sequence -> end(sequence, FinishReason.failedWith(e), Optional.of(describe(e))));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "scheduler of collaboration '" + spec.name() + "' died", e);
            ending = Optional.of(describe(e));
        } finally {
            stopped = true;
            FinishReason reason = closing ? FinishReason.CANCELLED : FinishReason.ERROR;
            Optional<String> why = ending;
            List.copyOf(active).forEach(sequence -> end(sequence, reason, why));
            for (Sequence sequence; (sequence = waiting.poll()) != null; ) {
                sequence.finish(reason, why);
            }
        }
    }

    private void admitWaiting() {
        while (!freeSlots.isEmpty() && !waiting.isEmpty()) {
            Sequence sequence = waiting.poll();
            sequence.assign(freeSlots.poll());
            active.add(sequence);
            activeCount = active.size();
        }
    }

    private void endCancelled() {
        waiting.removeIf(sequence -> {
            if (!sequence.generation.cancelRequested()) {
                return false;
            }
            sequence.finish(FinishReason.CANCELLED, Optional.empty());
            admitted.decrementAndGet();
            return true;
        });
        for (Sequence sequence : List.copyOf(active)) {
            if (sequence.generation.cancelRequested()) {
                end(sequence, FinishReason.CANCELLED, Optional.empty());
            }
        }
    }

    private void step() throws InterruptedException {
        long start = System.nanoTime();
        planBatch();
        decoders.decodeAll();
        long decoded = System.nanoTime();
        decodeNanos.add(decoded - start);
        steps.increment();
        planned.forEach(Sequence::commitPlanned);
        int batch = step.batch();
        if (batch == 0) {
            return;
        }
        MemorySegment staging = fusion.logits();
        long rowBytes = (long) vocab.size() * Float.BYTES;
        FusionShape shape = fusion.shape();
        for (int b = 0; b < batch; b++) {
            for (int m = 0; m < contextOfMember.length; m++) {
                MemorySegment logits = decoders.logits(contextOfMember[m], rowEntries[b]);
                MemorySegment.copy(logits, 0, staging, shape.rowOffset(m, b) * Float.BYTES, rowBytes);
            }
        }
        try {
            fusion.fuse(step, result);
            fusionNanos.add(System.nanoTime() - decoded);
            sampledTokens.add(batch);
        } catch (FusionInputException e) {
            for (int b = 0; b < batch; b++) {
                end(rows[b], FinishReason.failedWith(e), Optional.of(describe(e)));
            }
            return;
        }
        for (int b = 0; b < batch; b++) {
            deliver(rows[b], b);
        }
    }

    /**
     * Fills the member batches: first one token for every decoding sequence, then prompt chunks of prefilling
     * sequences in admission order until {@code prefillChunk} prompt tokens are planned. A sequence whose last
     * pending token is planned gets a fusion row.
     */
    private void planBatch() {
        decoders.clear();
        step.clear();
        planned.clear();
        Arrays.fill(rows, null);
        for (Sequence sequence : active) {
            if (sequence.pending() == 1) {
                plan(sequence, 1);
            }
        }
        int budget = Math.min(prefillChunk, decoders.capacity() - decoders.batchSize());
        for (Sequence sequence : active) {
            if (sequence.pending() > 1 && budget > 0) {
                int chunk = Math.min(sequence.pending(), budget);
                plan(sequence, chunk);
                budget -= chunk;
            }
        }
    }

    private void plan(Sequence sequence, int count) {
        int first = sequence.decoded();
        for (int position = first; position < first + count; position++) {
            boolean last = position == sequence.length() - 1;
            int entry = decoders.add(sequence.tokens[position], position, sequence.slot(), last);
            if (last) {
                SamplingParams sampling = sequence.request.sampling();
                int row = step.add(sequence.rule, sampling, sequence.request.choice(), sequence.generated(),
                        sequence.tokens, sequence.length());
                rows[row] = sequence;
                rowEntries[row] = entry;
            }
        }
        sequence.plan(count);
        planned.add(sequence);
    }

    private void deliver(Sequence sequence, int row) {
        int token = result.token(row);
        if (vocab.isEog(token)) {
            end(sequence, FinishReason.STOP, Optional.empty());
            return;
        }
        StopMatcher.Outcome outcome = sequence.accept(token, pieces.bytes(token));
        sequence.generation.emit(new GenerationEvent.Token(token, outcome.text(), result.logprob(row),
                topLogprobs(row), memberStats(row)));
        if (outcome.stopped()) {
            end(sequence, FinishReason.STOP, Optional.empty());
        } else if (sequence.generated() >= sequence.request.maxTokens() || sequence.contextFull()) {
            end(sequence, FinishReason.LENGTH, Optional.empty());
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

    /** Finishes a sequence and gives its slot back with its KV cells freed. */
    private void end(Sequence sequence, FinishReason reason, Optional<String> error) {
        boolean removed = active.remove(sequence);
        activeCount = active.size();
        if (!removed) {
            return;
        }
        sequence.finish(reason, error);
        try {
            decoders.release(sequence.slot());
        } finally {
            freeSlots.add(sequence.slot());
            admitted.decrementAndGet();
        }
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Cancels every waiting and active request, stops the scheduler thread and frees the contexts and fusion. */
    @Override
    public void close() {
        closing = true;
        wake();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        fusion.close();
        decoders.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
