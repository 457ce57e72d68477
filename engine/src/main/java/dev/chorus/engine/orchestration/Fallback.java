package dev.chorus.engine.orchestration;

import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Member;

/**
 * A member with a stand-in: when the primary (a remote endpoint) fails before sending any text, the fallback
 * answers instead; both calls appear in the member reports.
 */
final class Fallback implements Strategy {
    private final Member primary;
    private final Member fallback;

    Fallback(Member primary, Member fallback) {
        this.primary = primary;
        this.fallback = fallback;
    }

    @Override
    public MemberAnswer answer(Session session, GenerationRequest request) throws InterruptedException {
        MemberAnswer answer = session.await(session.start(primary, "remote", request), true);
        if (answer.succeeded() || !answer.tokens().isEmpty() || session.cancelled()) {
            return answer;
        }
        return session.await(session.start(fallback, "fallback", request), true);
    }
}
