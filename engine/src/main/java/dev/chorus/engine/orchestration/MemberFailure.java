package dev.chorus.engine.orchestration;

/** A member's answer an orchestration needed ended in an error or was cancelled: the whole answer ends so. */
final class MemberFailure extends RuntimeException {
    private final transient MemberAnswer answer;

    MemberFailure(MemberAnswer answer) {
        super("member '" + answer.member() + "' (" + answer.role() + ") ended with " + answer.end().reason()
                + answer.end().error().map(error -> ": " + error).orElse(""));
        this.answer = answer;
    }

    MemberAnswer answer() {
        return answer;
    }
}
