package dev.chorus.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A running generation: a stream of {@link GenerationEvent}s ending with one {@link GenerationEvent.Finished},
 * a {@link Completion} when it ends, and {@link #cancel()}. Events are written by the collaboration's scheduler
 * thread and may be read from any one thread.
 */
public final class Generation {
    private final BlockingQueue<GenerationEvent> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final List<Integer> tokens = new ArrayList<>();
    private final Runnable wakeScheduler;
    private volatile boolean cancelRequested;
    private volatile List<MemberReport> memberReports = List.of();
    private volatile Optional<SpeculationStats> speculation = Optional.empty();
    private volatile Optional<GateStats> gate = Optional.empty();

    Generation(Runnable wakeScheduler) {
        this.wakeScheduler = wakeScheduler;
    }

    /** Asks the scheduler to end this generation at its next step with {@link FinishReason#CANCELLED}. */
    public void cancel() {
        cancelRequested = true;
        wakeScheduler.run();
    }

    public boolean cancelRequested() {
        return cancelRequested;
    }

    /** The next event, waiting for it; after the end, the {@link GenerationEvent.Finished} event again. */
    public GenerationEvent nextEvent() throws InterruptedException {
        return replayFinished(events.take());
    }

    /** The next event if one comes within {@code timeout}. */
    public Optional<GenerationEvent> nextEvent(Duration timeout) throws InterruptedException {
        GenerationEvent event = events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return Optional.ofNullable(event).map(this::replayFinished);
    }

    /** Waits for the end. */
    public Completion await() throws InterruptedException {
        try {
            return completion.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a generation always completes normally", e);
        }
    }

    /**
     * A generation written by code other than a scheduler (an orchestration, a remote member); {@code onCancel}
     * runs when {@link #cancel()} is called and must make the writer finish soon.
     */
    public static Feed feed(Runnable onCancel) {
        return new Feed(new Generation(onCancel));
    }

    /** The member calls behind an orchestrated answer, set before it completes; empty for every other kind. */
    public List<MemberReport> memberReports() {
        return memberReports;
    }

    /**
     * The speculative decoding of this answer (verified rounds, proposed and accepted tokens), set before it
     * completes; empty when it was decoded token by token.
     */
    public Optional<SpeculationStats> speculation() {
        return speculation;
    }

    /** A gated collaboration's tokens and those its lead decided alone, set before it completes; else empty. */
    public Optional<GateStats> gate() {
        return gate;
    }

    public CompletableFuture<Completion> completion() {
        return completion;
    }

    public boolean isDone() {
        return completion.isDone();
    }

    void emit(GenerationEvent.Token token) {
        tokens.add(token.token());
        text.append(token.text());
        events.add(token);
    }

    /** Ends the generation; {@code heldText} is what was still held back (UTF-8 or stop-string prefix). */
    void finish(String heldText, FinishReason reason, Usage usage, Optional<String> error) {
        finish(heldText, reason, usage, error, Optional.empty(), Optional.empty());
    }

    /** Ends a generation of the step loop, with its speculation when it speculated and its gate's counts when gated. */
    void finish(String heldText, FinishReason reason, Usage usage, Optional<String> error,
                Optional<SpeculationStats> speculated, Optional<GateStats> gated) {
        if (completion.isDone()) {
            return;
        }
        speculation = speculated;
        gate = gated;
        text.append(heldText);
        events.add(new GenerationEvent.Finished(heldText, reason, usage, error));
        completion.complete(new Completion(text.toString(), tokens, reason, usage, error));
    }

    /** The writing side of a {@link #feed fed} generation; written from one thread at a time. */
    public static final class Feed {
        private final Generation generation;

        private Feed(Generation generation) {
            this.generation = generation;
        }

        public Generation generation() {
            return generation;
        }

        public void emit(GenerationEvent.Token token) {
            generation.emit(token);
        }

        /** Ends the generation with the member calls that produced it (ignored once it ended). */
        public void finish(String heldText, FinishReason reason, Usage usage, Optional<String> error,
                           List<MemberReport> reports) {
            if (generation.isDone()) {
                return;
            }
            generation.memberReports = List.copyOf(reports);
            generation.finish(heldText, reason, usage, error);
        }
    }

    private GenerationEvent replayFinished(GenerationEvent event) {
        if (event instanceof GenerationEvent.Finished) {
            events.add(event);
        }
        return event;
    }
}
