package dev.chorus.bench.server;

import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.OverloadedException;

/**
 * Runs requests on the engine directly, reading events as the server does: a token counts as streamed when it
 * releases text (the server sends a chunk for exactly those), so both paths count the same tokens.
 */
final class EngineStreamingClient implements StreamingClient {
    private final Engine engine;

    EngineStreamingClient(Engine engine) {
        this.engine = engine;
    }

    @Override
    public RequestOutcome run(LoadRequest request, TokenWindow window) throws InterruptedException {
        long start = System.nanoTime();
        Generation generation;
        try {
            generation = engine.submit(request.model(), request.generation());
        } catch (OverloadedException e) {
            return RequestOutcome.overloaded(request.model(), System.nanoTime() - start);
        }
        long firstToken = -1;
        int streamed = 0;
        GenerationEvent event;
        do {
            event = generation.nextEvent();
            if (!event.text().isEmpty()) {
                long now = System.nanoTime();
                firstToken = firstToken < 0 ? now - start : firstToken;
                streamed++;
                window.arrived(now, 1);
            }
        } while (event instanceof GenerationEvent.Token);
        Completion completion = generation.await();
        long duration = System.nanoTime() - start;
        if (completion.error().isPresent()) {
            return RequestOutcome.failed(request.model(), duration, completion.error().get());
        }
        if (firstToken < 0) {
            return RequestOutcome.failed(request.model(), duration, "no token was streamed");
        }
        return RequestOutcome.ok(request.model(), firstToken, streamed, completion.usage().completionTokens(),
                duration);
    }
}
