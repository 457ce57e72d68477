package dev.chorus.engine.orchestration;

import dev.chorus.engine.FinishReason;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Member;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.Usage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The member calls of one orchestrated request: starts them, reads their answers (streaming one to the client or
 * buffering it), keeps every call for the report and the usage, and cancels all of them when the client cancels.
 * Used by the request's one orchestration thread; {@link #cancel()} may come from any thread.
 */
final class Session {
    /** A started call. */
    record Call(Member member, String role, Generation generation, long startNanos) {
    }

    private final Generation.Feed out;
    private final List<Generation> running = new CopyOnWriteArrayList<>();
    private final List<MemberAnswer> answers = new ArrayList<>();
    private volatile boolean cancelled;

    Session() {
        this.out = Generation.feed(this::cancel);
    }

    /** What the client reads. */
    Generation generation() {
        return out.generation();
    }

    Call start(Member member, String role, GenerationRequest request) {
        Generation generation = member.submit(request);
        running.add(generation);
        if (cancelled) {
            generation.cancel();
        }
        return new Call(member, role, generation, System.nanoTime());
    }

    /** Reads a call to its end; with {@code stream} its tokens go to the client as they come. */
    MemberAnswer await(Call call, boolean stream) throws InterruptedException {
        List<GenerationEvent.Token> tokens = new ArrayList<>();
        GenerationEvent event = call.generation().nextEvent();
        for (; event instanceof GenerationEvent.Token token; event = call.generation().nextEvent()) {
            tokens.add(token);
            if (stream) {
                out.emit(token);
            }
        }
        MemberAnswer answer = new MemberAnswer(call.member().name(), call.role(), tokens,
                (GenerationEvent.Finished) event, call.generation().memberReports(), System.nanoTime() - call.startNanos());
        answers.add(answer);
        return answer;
    }

    /** Starts every call before reading any, so the members generate in parallel. */
    List<MemberAnswer> awaitAll(List<Member> members, String role, List<GenerationRequest> requests)
            throws InterruptedException {
        List<Call> calls = new ArrayList<>();
        for (int index = 0; index < members.size(); index++) {
            calls.add(start(members.get(index), role, requests.get(index)));
        }
        List<MemberAnswer> read = new ArrayList<>();
        for (Call call : calls) {
            read.add(await(call, false).requireSucceeded());
        }
        return read;
    }

    /** Sends a buffered answer's tokens to the client. */
    void replay(MemberAnswer answer) {
        answer.tokens().forEach(out::emit);
    }

    /** Ends the client's generation with {@code answer}'s end; its tokens must have been streamed or replayed. */
    void finish(MemberAnswer answer) {
        GenerationEvent.Finished end = answer.end();
        out.finish(end.text(), end.reason(), totalUsage(), end.error(), reports(answer));
    }

    void fail(FinishReason reason, String error) {
        out.finish("", reason, totalUsage(), Optional.of(error), reports(null));
    }

    void cancel() {
        cancelled = true;
        running.forEach(Generation::cancel);
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Every call's tokens: the cost of the answer. */
    private Usage totalUsage() {
        int prompt = 0;
        int completion = 0;
        for (MemberAnswer answer : answers) {
            prompt += answer.end().usage().promptTokens();
            completion += answer.end().usage().completionTokens();
        }
        return new Usage(prompt, completion);
    }

    private List<MemberReport> reports(MemberAnswer answered) {
        List<MemberReport> reports = new ArrayList<>();
        answers.forEach(answer -> reports.addAll(answer.reports(answer == answered)));
        return reports;
    }
}
