package dev.chorus.bench.server;

import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.OverloadedException;
import dev.chorus.engine.Prompt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether a collaboration still has all its slots after a load: submits {@code slots} greedy requests of
 * {@value #TOKENS} tokens at once straight to the engine and waits for each one's first token. With every slot free
 * they all start in the same step, long before any can finish; a leaked slot leaves a request waiting until another
 * one ends. So a request whose first token comes after the first completion, never comes, or is refused as
 * overloaded (a leaked admission count) counts as one leaked slot. The requests are then cancelled.
 *
 * @param slots   the slots the collaboration has
 * @param leaked  the slots that did not take a request at once
 * @param detail  why, when {@code leaked > 0}
 */
record SlotCheck(String collaboration, int slots, int leaked, String detail) {
    private static final int TOKENS = 48;
    private static final Duration FIRST_TOKEN_TIMEOUT = Duration.ofSeconds(60);

    static SlotCheck of(Engine engine, String collaboration) throws InterruptedException {
        int slots = engine.slots(collaboration);
        List<Generation> generations = new ArrayList<>(slots);
        AtomicLong firstEnd = new AtomicLong(Long.MAX_VALUE);
        int leaked = 0;
        String detail = "";
        try {
            for (int slot = 0; slot < slots; slot++) {
                Generation generation = engine.submit(collaboration,
                        GenerationRequest.of(Prompt.text("slot " + slot + " of " + collaboration), TOKENS));
                generation.completion().thenRun(() -> firstEnd.accumulateAndGet(System.nanoTime(), Math::min));
                generations.add(generation);
            }
        } catch (OverloadedException e) {
            leaked = slots - generations.size();
            detail = e.getMessage();
        }
        try {
            for (Generation generation : generations) {
                Optional<GenerationEvent> first = generation.nextEvent(FIRST_TOKEN_TIMEOUT);
                long at = System.nanoTime();
                if (first.isEmpty() || !(first.get() instanceof GenerationEvent.Token) || at > firstEnd.get()) {
                    leaked++;
                    detail = first.map(event -> event instanceof GenerationEvent.Finished finished
                                    ? "a request ended before its first token: " + finished.reason() + " "
                                    + finished.error().orElse("")
                                    : "a request started only after another one ended")
                            .orElse("no first token within " + FIRST_TOKEN_TIMEOUT);
                }
            }
        } finally {
            generations.forEach(Generation::cancel);
            for (Generation generation : generations) {
                generation.await();
            }
        }
        return new SlotCheck(collaboration, slots, leaked, detail);
    }
}
