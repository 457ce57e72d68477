package dev.chorus.engine;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one step loop of the process: continuous batching over every collaboration at once. Requests of all
 * collaborations wait in one FIFO queue until each model of their collaboration has a free slot (the slot caching the
 * longest prefix of the prompt, whose cells are reused). Each step puts one token of every decoding sequence, then
 * prompt chunks up to {@code prefillChunk} tokens in admission order, into one batch per model — so a request to a
 * model alone and one to an ensemble containing it share that model's {@code llama_decode} — decodes the models with
 * work in parallel on their share of the CPU budget, then lets each collaboration fuse and sample its rows.
 *
 * <p>Fairness: decoding sequences get their token every step whatever is being prefilled; prompt chunks go in
 * admission order; a queued request blocked on a busy model reserves it, so later requests to other collaborations
 * cannot starve it by taking that model's slots as they free up.
 *
 * <p>Embeddings run here too, so that they share the CPU budget with generation instead of oversubscribing it: each
 * turn of the loop embeds one input of the oldest embedding request (one decode, on the whole budget) before its step,
 * so generation keeps stepping while a long embedding request is served, and embedding requests go in order.
 *
 * <p>Threading: {@link #enqueue}, {@link #embed}, {@link #wake} and {@link #close} may be called from any thread;
 * everything else runs on the loop's thread.
 */
final class StepLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StepLoop.class.getName());
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final List<ModelRuntime> models = new ArrayList<>();
    private final List<Collaboration> collaborations = new ArrayList<>();
    private final int prefillChunk;
    private final CpuBudget budget;
    private final Queue<Sequence> waiting = new ConcurrentLinkedQueue<>();
    private final Queue<EmbeddingJob> embeddings = new ConcurrentLinkedQueue<>();
    private final List<Sequence> active = new ArrayList<>();
    private final List<Sequence> planned = new ArrayList<>();
    private final List<ModelRuntime> working = new ArrayList<>();
    private final Thread thread;
    private ExecutorService parallelDecodes;
    private volatile boolean closing;
    /** Set when the loop has ended, by close or by a fatal error: nothing is queued after. */
    private volatile boolean stopped;

    StepLoop(int prefillChunk, CpuBudget budget) {
        this.prefillChunk = prefillChunk;
        this.budget = budget;
        this.thread = Thread.ofPlatform().name("chorus-step-loop").daemon().unstarted(this::run);
    }

    void add(ModelRuntime model) {
        models.add(model);
    }

    void add(Collaboration collaboration) {
        collaborations.add(collaboration);
    }

    /** Starts the loop once every model and collaboration is added. */
    void start() {
        if (models.size() > 1) {
            AtomicInteger count = new AtomicInteger();
            parallelDecodes = Executors.newFixedThreadPool(models.size() - 1, task -> Thread.ofPlatform()
                    .name("chorus-decode-" + count.getAndIncrement()).daemon().unstarted(task));
        }
        thread.start();
        LOG.log(System.Logger.Level.INFO, "step loop: {0} models, {1} collaborations, CPU budget {2} threads",
                models.size(), collaborations.size(), budget.threads());
    }

    /** Queues an admitted request; it runs when each model of its collaboration has a free slot. */
    void enqueue(Sequence sequence) {
        if (closing || stopped) {
            throw new IllegalStateException("the engine is closed");
        }
        waiting.add(sequence);
        if ((closing || stopped) && waiting.remove(sequence)) {
            throw new IllegalStateException("the engine is closed");
        }
        wake();
    }

    /** Queues an embedding request; it runs after those queued before it. */
    void embed(EmbeddingJob job) {
        if (closing || stopped) {
            throw new IllegalStateException("the engine is closed");
        }
        embeddings.add(job);
        if ((closing || stopped) && embeddings.remove(job)) {
            throw new IllegalStateException("the engine is closed");
        }
        wake();
    }

    void wake() {
        LockSupport.unpark(thread);
    }

    private void run() {
        Optional<String> ending = Optional.of("the engine closed");
        try {
            while (!closing) {
                endCancelled();
                admitWaiting();
                boolean embedded = embedNext();
                if (active.isEmpty()) {
                    if (!embedded) {
                        LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                    }
                    continue;
                }
                try {
                    step();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "a step failed", e);
                    List.copyOf(planned).forEach(sequence -> end(sequence, FinishReason.failedWith(e), Optional.of(describe(e))));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "the step loop died", e);
            ending = Optional.of(describe(e));
        } finally {
            stopped = true;
            FinishReason reason = closing ? FinishReason.CANCELLED : FinishReason.ERROR;
            Optional<String> why = ending;
            List.copyOf(active).forEach(sequence -> end(sequence, reason, why));
            for (Sequence sequence; (sequence = waiting.poll()) != null; ) {
                sequence.finish(reason, why);
                sequence.collaboration.dequeued(false);
            }
            for (EmbeddingJob job; (job = embeddings.poll()) != null; ) {
                job.fail(new IllegalStateException(why.orElse("the engine closed")));
            }
            if (parallelDecodes != null) {
                parallelDecodes.shutdownNow();
            }
        }
    }

    /** Embeds one input of the oldest embedding request; false when none waits. */
    private boolean embedNext() {
        EmbeddingJob job = embeddings.peek();
        if (job == null) {
            return false;
        }
        try {
            if (!job.finished()) {
                job.embedNext(budget.share(1));
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "an embedding failed", e);
            job.fail(e);
        }
        if (job.finished()) {
            embeddings.poll();
        }
        return true;
    }

    private void endCancelled() {
        for (Sequence sequence : List.copyOf(active)) {
            if (sequence.generation.cancelRequested()) {
                end(sequence, FinishReason.CANCELLED, Optional.empty());
            }
        }
    }

    /** Admits queued requests in order; one blocked on a busy model reserves that model for itself. */
    private void admitWaiting() {
        List<ModelRuntime> reserved = new ArrayList<>();
        for (Iterator<Sequence> queue = waiting.iterator(); queue.hasNext(); ) {
            Sequence sequence = queue.next();
            if (sequence.generation.cancelRequested()) {
                queue.remove();
                sequence.finish(FinishReason.CANCELLED, Optional.empty());
                sequence.collaboration.dequeued(false);
                continue;
            }
            List<ModelRuntime> needed = sequence.collaboration.models();
            if (needed.stream().allMatch(model -> model.freeSlots() > 0 && !reserved.contains(model))) {
                queue.remove();
                admit(sequence);
            } else {
                reserved.addAll(needed);
            }
        }
    }

    /**
     * Takes a slot in each model: the one caching the longest prefix of the prompt. The prefix every slot shares
     * (and never the whole prompt: the last token must be decoded for its logits) is kept; the rest is dropped.
     */
    private void admit(Sequence sequence) {
        List<ModelRuntime> needed = sequence.collaboration.models();
        int[] prompt = sequence.prompt();
        boolean reuse = sequence.request.cachePrompt();
        int shared = prompt.length - 1;
        for (int i = 0; i < needed.size(); i++) {
            ModelRuntime model = needed.get(i);
            sequence.slots[i] = model.chooseSlot(prompt, reuse);
            shared = Math.min(shared, reuse ? model.cachedPrefix(sequence.slots[i], prompt) : 0);
        }
        boolean kept = true;
        for (int i = 0; i < needed.size(); i++) {
            kept &= needed.get(i).take(sequence.slots[i], shared);
        }
        if (!kept) {
            for (int i = 0; i < needed.size(); i++) {
                needed.get(i).forget(sequence.slots[i]);
            }
            shared = 0;
        }
        sequence.reuseCached(shared);
        for (ModelRuntime model : needed) {
            model.countCached(shared);
        }
        sequence.collaboration.countCached(shared);
        sequence.collaboration.dequeued(true);
        active.add(sequence);
    }

    private void step() throws InterruptedException {
        long start = System.nanoTime();
        for (Collaboration collaboration : collaborations) {
            collaboration.propose(active, budget.share(1));
        }
        planBatches();
        if (planned.isEmpty()) {
            return; // every sequence ended while its draft proposed
        }
        Map<ModelRuntime, RuntimeException> failed = decodeModels();
        long decodeNanos = System.nanoTime() - start;
        for (Sequence sequence : planned) {
            Optional<RuntimeException> failure = sequence.collaboration.models().stream().map(failed::get)
                    .filter(Objects::nonNull).findFirst();
            if (failure.isPresent()) {
                end(sequence, FinishReason.failedWith(failure.get()), Optional.of(describe(failure.get())));
            } else {
                sequence.commitPlanned();
            }
        }
        for (Collaboration collaboration : collaborations) {
            if (collaboration.hasRows() && collaboration.models().stream().noneMatch(failed::containsKey)) {
                collaboration.fuseAndDeliver(decodeNanos);
            }
        }
    }

    /**
     * Fills the models' batches: first one token for every decoding sequence, then the tokens gated sequences' other
     * models skipped where fusion is needed again, then prompt chunks of prefilling sequences in admission order until
     * {@code prefillChunk} prompt tokens are planned. A sequence whose last pending token is planned gets a fusion row
     * in its collaboration.
     */
    private void planBatches() {
        models.forEach(ModelRuntime::clearBatch);
        collaborations.forEach(Collaboration::clearStep);
        planned.clear();
        for (Sequence sequence : active) {
            if (sequence.pending() == 1) {
                if (sequence.draft != null && sequence.draft.proposed > 0) {
                    planVerification(sequence);
                } else {
                    plan(sequence, 1);
                }
            }
        }
        for (Sequence sequence : active) {
            if (sequence.gate != null && sequence.gate.catchingUp) {
                planCatchUp(sequence);
            }
        }
        int budgetLeft = prefillChunk;
        for (Sequence sequence : active) {
            if (sequence.pending() > 1 && budgetLeft > 0) {
                int room = sequence.collaboration.models().stream()
                        .mapToInt(model -> model.batchCapacity() - model.batchSize()).min().orElseThrow();
                int chunk = Math.min(Math.min(sequence.pending(), budgetLeft), room);
                if (chunk > 0) {
                    plan(sequence, chunk);
                    budgetLeft -= chunk;
                }
            }
        }
    }

    private void plan(Sequence sequence, int count) {
        List<ModelRuntime> needed = sequence.collaboration.models();
        int first = sequence.decoded();
        for (int position = first; position < first + count; position++) {
            boolean last = position == sequence.length() - 1;
            for (int i = 0; i < needed.size(); i++) {
                if (sequence.draft != null && i == needed.size() - 1) {
                    // The draft follows the prompt (so its slot caches it like the members'), and the sampled tokens
                    // of a speculating sequence; once it lags behind (after a fully accepted proposal) it is fed by
                    // its proposer only.
                    if (sequence.draft.decoded == position
                            && (sequence.draft.speculates || position < sequence.promptLength)) {
                        needed.get(i).add(sequence.collaboration, sequence.tokens[position], position,
                                sequence.slots[i], false);
                        sequence.draft.decoded++;
                    }
                    continue;
                }
                if (sequence.gate != null && sequence.gate.lags(i)) {
                    if (last && !sequence.gate.lockstep) {
                        continue; // the lead may decide the token alone; the others catch up when fusion is needed
                    }
                    sequence.gate.othersDecoded = position + 1;
                }
                int entry = needed.get(i).add(sequence.collaboration, sequence.tokens[position], position,
                        sequence.slots[i], last);
                sequence.entries[i] = entry;
            }
            if (last) {
                sequence.collaboration.addRow(sequence);
            }
        }
        sequence.plan(count);
        planned.add(sequence);
    }

    /**
     * Plans the tokens a gated sequence's other models skipped into their batches, as many as they hold, all up to the
     * sequence's last token; with that one (logits wanted) comes the row fusing it from every member.
     */
    private void planCatchUp(Sequence sequence) {
        GateState gate = sequence.gate;
        List<ModelRuntime> needed = sequence.collaboration.models();
        int room = Integer.MAX_VALUE;
        for (int i = 0; i < needed.size(); i++) {
            if (gate.lags(i)) {
                room = Math.min(room, needed.get(i).batchCapacity() - needed.get(i).batchSize());
            }
        }
        int end = Math.min(sequence.length(), gate.othersDecoded + room);
        if (end == gate.othersDecoded) {
            return; // no room this step
        }
        for (int position = gate.othersDecoded; position < end; position++) {
            boolean last = position == sequence.length() - 1;
            for (int i = 0; i < needed.size(); i++) {
                if (gate.lags(i)) {
                    sequence.entries[i] = needed.get(i).add(sequence.collaboration, sequence.tokens[position],
                            position, sequence.slots[i], last);
                }
            }
        }
        gate.othersDecoded = end;
        if (end == sequence.length()) {
            sequence.collaboration.addRow(sequence);
        }
        sequence.plan(0);
        planned.add(sequence);
    }

    /**
     * Plans a sequence's pending token and its draft's k proposals (in its tokens past its length) into each member
     * model's batch at consecutive entries, all with logits, and its verification rows.
     */
    private void planVerification(Sequence sequence) {
        List<ModelRuntime> members = sequence.collaboration.models().subList(0, sequence.slots.length - 1);
        int first = sequence.decoded();
        int room = members.stream().mapToInt(model -> model.batchCapacity() - model.batchSize()).min().orElseThrow();
        int k = Math.min(sequence.draft.proposed, room - 1);
        sequence.draft.proposed = k;
        for (int i = 0; i < members.size(); i++) {
            for (int position = first; position <= first + k; position++) {
                sequence.entries[i] = members.get(i).add(sequence.collaboration, sequence.tokens[position], position,
                        sequence.slots[i], true);
            }
        }
        if (k > 0) {
            sequence.collaboration.addSpeculativeRows(sequence, k);
        } else {
            // No room to verify: decode plainly, and forget what the draft decoded of its proposals.
            sequence.draft.decoded = Math.min(sequence.draft.decoded, sequence.length());
            sequence.collaboration.models().getLast().trim(sequence.slots[sequence.slots.length - 1],
                    sequence.draft.decoded);
            sequence.collaboration.addRow(sequence);
        }
        sequence.plan(k + 1);
        planned.add(sequence);
    }

    /** Decodes every model with work, in parallel on an equal share of the CPU budget; returns the failures. */
    private Map<ModelRuntime, RuntimeException> decodeModels() throws InterruptedException {
        working.clear();
        for (ModelRuntime model : models) {
            if (model.hasWork()) {
                working.add(model);
            }
        }
        Map<ModelRuntime, RuntimeException> failed = new IdentityHashMap<>();
        int share = budget.share(working.size());
        if (working.size() == 1) {
            ModelRuntime model = working.getFirst();
            try {
                model.decode(model.threadsFor(share));
            } catch (RuntimeException e) {
                failed.put(model, e);
            }
            return failed;
        }
        List<Callable<Void>> decodes = new ArrayList<>(working.size() - 1);
        for (ModelRuntime model : working.subList(1, working.size())) {
            decodes.add(() -> {
                model.decode(model.threadsFor(share));
                return null;
            });
        }
        List<Future<Void>> others = decodes.stream().map(parallelDecodes::submit).toList();
        ModelRuntime own = working.getFirst();
        try {
            own.decode(own.threadsFor(share));
        } catch (RuntimeException e) {
            failed.put(own, e);
        }
        for (int i = 0; i < others.size(); i++) {
            try {
                others.get(i).get();
            } catch (ExecutionException e) {
                failed.put(working.get(i + 1), e.getCause() instanceof RuntimeException runtime ? runtime
                        : new IllegalStateException("decode failed", e.getCause()));
            }
        }
        return failed;
    }

    /**
     * Finishes a sequence and gives its slots back. Their cells stay cached with the tokens decoded, unless the
     * sequence failed, when what the cells hold is unknown.
     */
    void end(Sequence sequence, FinishReason reason, Optional<String> error) {
        if (!active.remove(sequence)) {
            return;
        }
        int cached = reason == FinishReason.ERROR || reason == FinishReason.UNAVAILABLE ? 0 : sequence.decoded();
        List<ModelRuntime> held = sequence.collaboration.models();
        try {
            for (int i = 0; i < held.size(); i++) {
                held.get(i).release(sequence.slots[i], sequence.tokens, sequence.cachedIn(i, cached));
            }
        } finally {
            // The slots are free before the client learns of the end, so it may count on them at once.
            sequence.collaboration.ended();
            sequence.finish(reason, error);
        }
    }

    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Cancels every queued and running request and stops the loop; the models and collaborations stay open. */
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
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
