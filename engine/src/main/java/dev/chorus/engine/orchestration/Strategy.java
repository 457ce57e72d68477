package dev.chorus.engine.orchestration;

import dev.chorus.engine.GenerationRequest;

/** How one orchestrated kind answers a request through a {@link Session}. */
interface Strategy {
    /**
     * Refuses, before any member is called, a request this kind cannot answer.
     *
     * @throws IllegalArgumentException e.g. a token prompt where the kind rewrites prompts
     */
    default void check(GenerationRequest request) {
    }

    /**
     * Calls members and returns the answer the client gets, whose tokens it has already streamed or replayed.
     *
     * @throws MemberFailure when a member whose answer it needs failed
     */
    MemberAnswer answer(Session session, GenerationRequest request) throws InterruptedException;
}
