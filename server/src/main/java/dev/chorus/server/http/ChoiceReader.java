package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.Usage;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reads one choice's events under the request's deadline and times them: the first choice's time to first token
 * and the interval between its tokens (the collaboration's step latency as clients see it). Later choices are not
 * timed: a non-streamed answer reads them after they were buffered. An engine-side end other than stop or length
 * becomes an {@link ApiException}.
 */
final class ChoiceReader {
    /** How long a stream may stay silent before a keep-alive comment checks that the client is still there. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(2);

    /** Called whenever no event arrived for {@link #interval()}. */
    @FunctionalInterface
    interface Waiting {
        Waiting NOTHING = () -> { };

        void waited() throws IOException;

        default Duration interval() {
            return KEEP_ALIVE;
        }
    }

    private final Generation generation;
    private final long deadlineNanos;
    private final ServerMetrics metrics;
    private final String model;
    private final boolean timed;
    private long lastTokenNanos;
    private boolean first = true;
    private GenerationEvent.Finished finished;

    ChoiceReader(Generation generation, long admittedNanos, long deadlineNanos, ServerMetrics metrics, String model,
                 boolean timed) {
        this.generation = generation;
        this.deadlineNanos = deadlineNanos;
        this.metrics = metrics;
        this.model = model;
        this.timed = timed;
        this.lastTokenNanos = admittedNanos;
    }

    /**
     * The next event: a token, or the end of the choice (whose text, held back until then, still belongs to it).
     *
     * @throws ApiException 504 once the request's deadline passed, 503 when the engine is stopping or a member's
     *                      rpc-server was lost, 500 when decoding failed
     */
    GenerationEvent next(Waiting waiting) throws IOException, ApiException {
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new ApiException(504, "timeout_error", null, "request_timeout",
                        "The request ran past the server's time limit and was cancelled.");
            }
            Optional<GenerationEvent> event;
            try {
                event = generation.nextEvent(Duration.ofNanos(Math.min(left, waiting.interval().toNanos())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw stopping();
            }
            if (event.isEmpty()) {
                waiting.waited();
                continue;
            }
            switch (event.get()) {
                case GenerationEvent.Token token -> observeToken();
                case GenerationEvent.Finished end -> finished = checked(end);
            }
            return event.get();
        }
    }

    /** Why the choice ended: stop or length, once {@link #next} returned the end. */
    FinishReason finishReason() {
        return finished().reason();
    }

    /**
     * Adds the finished choice's {@code chorus} extensions to its choice object (a whole answer's choice or a stream's
     * closing chunk): the member calls of an orchestration, the speculation of a drafted choice, a gate's counts.
     */
    void attachSummary(ObjectNode choice) {
        MemberReports.attach(choice, generation.memberReports());
        SpeculationJson.attach(choice, generation.speculation());
        GateJson.attach(choice, generation.gate());
    }

    /** The usage of a request's choices: the prompt once (as the first choice found it cached), the completions summed. */
    static Usage total(List<ChoiceReader> choices) {
        int completion = 0;
        for (ChoiceReader choice : choices) {
            completion += choice.finished().usage().completionTokens();
        }
        Usage first = choices.getFirst().finished().usage();
        return new Usage(first.promptTokens(), completion, first.cachedPromptTokens());
    }

    private GenerationEvent.Finished finished() {
        if (finished == null) {
            throw new IllegalStateException("the choice has not finished");
        }
        return finished;
    }

    private static GenerationEvent.Finished checked(GenerationEvent.Finished end) throws ApiException {
        return switch (end.reason()) {
            case STOP, LENGTH -> end;
            case CANCELLED -> throw stopping();
            case ERROR -> throw new ApiException(500, "server_error", null, "generation_failed",
                    "Generation failed: " + end.error().orElse("no detail"));
            case UNAVAILABLE -> throw new ApiException(503, "server_error", null, "model_unavailable",
                    "The model is unavailable: " + end.error().orElse("no detail"));
        };
    }

    private static ApiException stopping() {
        return new ApiException(503, "server_error", null, "shutting_down", "The server is stopping.");
    }

    private void observeToken() {
        long now = System.nanoTime();
        if (timed) {
            double seconds = (now - lastTokenNanos) * 1e-9;
            if (first) {
                metrics.firstToken(model, seconds);
            } else {
                metrics.step(model, seconds);
            }
        }
        first = false;
        lastTokenNanos = now;
    }
}
