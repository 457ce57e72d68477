package dev.chorus.engine.orchestration;

import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.TokenLogprob;
import dev.chorus.llama.Vocab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Debaters revise after reading each other; the majority or a judge picks the final answer. */
class DebateTest {
    private static final int TOKENS = 6;
    private static final String DEBATE = "These are the answers of the other agents to the question below. Using"
            + " them as additional information, give your updated answer.\n\nOther agents' answers:";
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = OrchestrationEngines.start(folder, """
                collaborations:
                  vote:   { kind: debate, members: [kjv, pydocs], rounds: 1 }
                  judged: { kind: debate, members: [kjv, pydocs, base], rounds: 0, judge: base }
                """);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void eachRoundEachDebaterReadsTheOthersLatestAnswers() throws InterruptedException {
        String question = "What is a function?";
        GenerationRequest request = GenerationRequest.of(Prompt.text(question), TOKENS).withCachePrompt(false);
        OrchestrationEngines.Finished debated = OrchestrationEngines.run(engine, "vote", request);
        assertEquals(List.of("kjv", "pydocs", "kjv", "pydocs"),
                debated.reports().stream().map(MemberReport::member).toList());
        String pydocs = engine.submit("pydocs", request).await().text();
        String kjvRevised = engine.submit("kjv", request.withPrompt(Prompt.text(DEBATE + "\n\n1. " + pydocs + "\n\n"
                + question))).await().text();
        // Two debaters either agree or tie: either way the first debater's revised answer is the answer.
        assertEquals(kjvRevised, debated.completion().text());
        assertTrue(debated.reports().get(2).answered());
    }

    /** The judge's pick is the answer letter it finds most likely, computed here from a direct call. */
    @Test
    void aJudgeScoresTheAnswersLettersInOneStep() throws InterruptedException {
        String question = "In the beginning";
        GenerationRequest request = GenerationRequest.of(Prompt.text(question), TOKENS).withCachePrompt(false);
        OrchestrationEngines.Finished judged = OrchestrationEngines.run(engine, "judged", request);
        List<MemberReport> reports = judged.reports();
        assertEquals(List.of("debater", "debater", "debater", "judge"), reports.stream().map(MemberReport::role).toList());

        List<String> answers = List.of(engine.submit("kjv", request).await().text(),
                engine.submit("pydocs", request).await().text(), engine.submit("base", request).await().text());
        String judgePrompt = "Question: " + question + "\n\nAnswers:\nA. " + answers.get(0) + "\nB. " + answers.get(1)
                + "\nC. " + answers.get(2) + "\n\nThe letter of the best answer is";
        GenerationRequest scoring = GenerationRequest.of(Prompt.text(judgePrompt), 1)
                .withSampling(Sampling.GREEDY.withTopLogprobs(Sampling.MAX_TOP_LOGPROBS));
        Generation judge = engine.submit("base", scoring);
        GenerationEvent.Token step = (GenerationEvent.Token) judge.nextEvent();
        judge.await();
        Vocab vocab = engine.vocab("base");
        int best = Debate.majority(answers);
        float bestLogprob = Float.NEGATIVE_INFINITY;
        for (TokenLogprob top : step.topLogprobs()) {
            int letter = List.of("\u2581A", "\u2581B", "\u2581C").indexOf(vocab.tokenToPiece(top.token()));
            if (letter >= 0 && top.logprob() > bestLogprob) {
                best = letter;
                bestLogprob = top.logprob();
            }
        }
        assertEquals(answers.get(best), judged.completion().text());
        assertEquals(1, reports.stream().filter(MemberReport::answered).count());
        assertTrue(reports.get(best).answered(), reports.toString());
    }

    @Test
    void theMajorityIsTheMostCommonAnswerAndTiesGoToTheEarliest() {
        assertEquals(1, Debate.majority(List.of("a", "b", " b\n", "c")));
        assertEquals(0, Debate.majority(List.of("a", "b")));
        assertEquals(2, Debate.majority(List.of("a", "b", "c  d", "c d")));
    }
}
