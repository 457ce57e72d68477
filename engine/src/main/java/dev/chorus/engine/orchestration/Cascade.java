package dev.chorus.engine.orchestration;

import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Member;
import dev.chorus.engine.config.OrchestrationSpec;

import java.util.List;

/**
 * Members cheapest first: each answer but the last is buffered and accepted when its confidence reaches the
 * threshold (then replayed to the client), else the next member answers; a failed member counts as rejected.
 * The last member, whose answer is taken whatever its confidence, streams live. Cost: 1 to n model calls.
 */
final class Cascade implements Strategy {
    private final OrchestrationSpec.Cascade spec;
    private final List<Member> members;

    Cascade(OrchestrationSpec.Cascade spec, List<Member> members) {
        this.spec = spec;
        this.members = List.copyOf(members);
    }

    @Override
    public MemberAnswer answer(Session session, GenerationRequest request) throws InterruptedException {
        for (Member member : members.subList(0, members.size() - 1)) {
            MemberAnswer answer = session.await(session.start(member, "candidate", request), false);
            if (answer.succeeded() && answer.confidence(spec.confidence()) >= spec.threshold()) {
                session.replay(answer);
                return answer;
            }
            if (session.cancelled()) {
                throw new MemberFailure(answer);
            }
        }
        return session.await(session.start(members.getLast(), "candidate", request), true);
    }
}
