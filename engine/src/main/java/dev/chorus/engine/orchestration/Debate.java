package dev.chorus.engine.orchestration;

import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Member;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Debaters answer in parallel, then for each round read the others' latest answers ({@link Prompts#DEBATE}) and
 * answer again; the judge's best-scored answer letter ({@link Prompts#DEBATE_JUDGE}), or else the most common final
 * answer (ties and no pick: the earliest debater), is replayed to the client. Cost: debaters × (rounds + 1) model
 * calls, plus one one-token judge call.
 */
final class Debate implements Strategy {
    static final int MAX_JUDGED = 26;
    private final List<Member> debaters;
    private final int rounds;
    private final Optional<LabelJudge> judge;

    Debate(List<Member> debaters, int rounds, Optional<LabelJudge> judge) {
        this.debaters = List.copyOf(debaters);
        this.rounds = rounds;
        this.judge = judge;
    }

    /** The judge's labels: the answers' letters. */
    static List<String> labels(int debaters) {
        if (debaters > MAX_JUDGED) {
            throw new IllegalArgumentException("a debate judge tells apart at most " + MAX_JUDGED + " answers");
        }
        List<String> labels = new ArrayList<>();
        for (int index = 0; index < debaters; index++) {
            labels.add(Prompts.letter(index));
        }
        return labels;
    }

    @Override
    public void check(GenerationRequest request) {
        Prompts.query(request.prompt(), "a debate");
    }

    @Override
    public MemberAnswer answer(Session session, GenerationRequest request) throws InterruptedException {
        List<MemberAnswer> answers = session.awaitAll(debaters, "debater",
                Collections.nCopies(debaters.size(), request));
        for (int round = 0; round < rounds; round++) {
            List<GenerationRequest> revisions = new ArrayList<>();
            for (int index = 0; index < debaters.size(); index++) {
                List<String> others = new ArrayList<>();
                for (int other = 0; other < answers.size(); other++) {
                    if (other != index) {
                        others.add(answers.get(other).text());
                    }
                }
                revisions.add(request.withPrompt(Prompts.withInstructions(request.prompt(),
                        Prompts.numbered(Prompts.DEBATE, others), "a debate")));
            }
            answers = session.awaitAll(debaters, "debater", revisions);
        }
        MemberAnswer chosen = answers.get(pick(session, request, answers));
        session.replay(chosen);
        return chosen;
    }

    private int pick(Session session, GenerationRequest request, List<MemberAnswer> answers)
            throws InterruptedException {
        List<String> texts = answers.stream().map(MemberAnswer::text).toList();
        if (judge.isPresent()) {
            String prompt = Prompts.DEBATE_JUDGE.replace("{query}", Prompts.query(request.prompt(), "a debate judge"))
                    .replace("{answers}", Prompts.lettered(texts));
            OptionalInt pick = judge.get().pick(session, prompt);
            if (pick.isPresent()) {
                return pick.getAsInt();
            }
        }
        return majority(texts);
    }

    /** The index of the first answer among the most common ones, comparing whitespace-normalised text. */
    static int majority(List<String> texts) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        texts.forEach(text -> counts.merge(normalised(text), 1, Integer::sum));
        int best = 0;
        for (int index = 1; index < texts.size(); index++) {
            if (counts.get(normalised(texts.get(index))) > counts.get(normalised(texts.get(best)))) {
                best = index;
            }
        }
        return best;
    }

    private static String normalised(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
