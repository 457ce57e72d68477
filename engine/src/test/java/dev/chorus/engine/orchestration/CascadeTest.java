package dev.chorus.engine.orchestration;

import dev.chorus.engine.Engine;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.Prompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cascade accepts the first answer confident enough, else escalates; the answer is the accepted member's own. */
class CascadeTest {
    /** Prefilled afresh every time: a prompt reused from the cache may round its confidence differently. */
    private static final GenerationRequest REQUEST = GenerationRequest.of(Prompt.text("In the beginning"), 10)
            .withCachePrompt(false);
    private static Path folder;
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path temporary) {
        folder = temporary;
        engine = OrchestrationEngines.start(folder, """
                collaborations:
                  accept-all:   { kind: cascade, members: [base, kjv, pydocs], threshold: -.inf }
                  escalate-all: { kind: cascade, members: [base, kjv, pydocs], confidence: min_prob, threshold: .inf }
                  experts:      { kind: ensemble, members: [ {model: kjv}, {model: pydocs} ] }
                  of-ensembles: { kind: cascade, members: [experts, kjv], threshold: -.inf }
                  over-cascade: { kind: router, members: [escalate-all], default: escalate-all }
                """);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void thresholdMinusInfinityAlwaysAcceptsTheFirstMember() throws InterruptedException {
        OrchestrationEngines.Finished answer = OrchestrationEngines.run(engine, "accept-all", REQUEST);
        assertEquals(engine.submit("base", REQUEST).await().tokens(), answer.completion().tokens());
        assertEquals(List.of("base"), members(answer.reports()));
        assertTrue(answer.reports().getFirst().answered());
    }

    @Test
    void thresholdPlusInfinityAlwaysEscalatesToTheLastMember() throws InterruptedException {
        OrchestrationEngines.Finished answer = OrchestrationEngines.run(engine, "escalate-all", REQUEST);
        assertEquals(engine.submit("pydocs", REQUEST).await().tokens(), answer.completion().tokens());
        assertEquals(List.of("base", "kjv", "pydocs"), members(answer.reports()));
        assertEquals(List.of(false, false, true), answer.reports().stream().map(MemberReport::answered).toList());
        int completion = answer.reports().stream().mapToInt(report -> report.usage().completionTokens()).sum();
        assertEquals(completion, answer.completion().usage().completionTokens(), "usage counts every call");
    }

    /** The first member's own confidence as threshold accepts it; the next float above escalates. */
    @Test
    void theThresholdIsComparedWithTheAnswersConfidence(@TempDir Path other) throws InterruptedException {
        MemberReport first = OrchestrationEngines.run(engine, "escalate-all", REQUEST).reports().getFirst();
        double meanLogprob = first.meanLogprob();
        assertTrue(meanLogprob < 0 && first.minProbability() > 0 && first.minProbability() < 1, first.toString());
        try (Engine tuned = OrchestrationEngines.start(other, String.format(Locale.ROOT, """
                collaborations:
                  at:    { kind: cascade, members: [base, kjv], threshold: %s }
                  above: { kind: cascade, members: [base, kjv], threshold: %s }
                  prob:  { kind: cascade, members: [base, kjv], confidence: min_prob, threshold: %s }
                """, (float) meanLogprob - 1e-4, Math.nextUp((float) meanLogprob) + 1e-4,
                first.minProbability() + 1e-4))) {
            assertEquals(List.of("base"), members(OrchestrationEngines.run(tuned, "at", REQUEST).reports()));
            assertEquals(List.of("base", "kjv"), members(OrchestrationEngines.run(tuned, "above", REQUEST).reports()));
            assertEquals(List.of("base", "kjv"), members(OrchestrationEngines.run(tuned, "prob", REQUEST).reports()));
        }
    }

    @Test
    void membersMayBeCollaborationsAndOrchestrationsWhoseCallsAreReportedInside() throws InterruptedException {
        OrchestrationEngines.Finished ensembles = OrchestrationEngines.run(engine, "of-ensembles", REQUEST);
        assertEquals(engine.submit("experts", REQUEST).await().tokens(), ensembles.completion().tokens());
        assertEquals(List.of("experts"), members(ensembles.reports()));

        OrchestrationEngines.Finished nested = OrchestrationEngines.run(engine, "over-cascade", REQUEST);
        assertEquals(engine.submit("pydocs", REQUEST).await().tokens(), nested.completion().tokens());
        assertEquals(List.of("escalate-all", "escalate-all/base", "escalate-all/kjv", "escalate-all/pydocs"),
                members(nested.reports()));
        assertEquals(List.of(true, false, false, true),
                nested.reports().stream().map(MemberReport::answered).toList());
    }

    @Test
    void cancellingACascadeEndsItAndItsMemberCalls() throws InterruptedException {
        Generation generation = engine.submit("escalate-all",
                GenerationRequest.of(Prompt.text("And it came to pass"), 200));
        generation.cancel();
        assertEquals(FinishReason.CANCELLED, generation.await().reason());
    }

    private static List<String> members(List<MemberReport> reports) {
        return reports.stream().map(MemberReport::member).toList();
    }
}
