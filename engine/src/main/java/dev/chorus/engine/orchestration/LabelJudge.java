package dev.chorus.engine.orchestration;

import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Member;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.TokenLogprob;
import dev.chorus.llama.Vocab;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A judge that picks one of several labels with one decoding step: after the judge prompt, each label scores the
 * log-probability of its first token, read from the step's most likely tokens
 * ({@value Sampling#MAX_TOP_LOGPROBS} of them). A label whose first token is not among them scores −∞;
 * when none is, there is no pick. Labels must start with different tokens.
 */
final class LabelJudge {
    private final Member judge;
    private final int[] firstTokens;

    LabelJudge(Member judge, Vocab vocab, List<String> labels) {
        this.judge = judge;
        this.firstTokens = new int[labels.size()];
        Map<Integer, String> seen = new HashMap<>();
        for (int index = 0; index < labels.size(); index++) {
            String label = labels.get(index);
            firstTokens[index] = firstToken(vocab, label);
            String earlier = seen.putIfAbsent(firstTokens[index], label);
            if (earlier != null) {
                throw new IllegalArgumentException("judge '" + judge.name() + "': labels '" + earlier + "' and '"
                        + label + "' start with the same token; choose labels that differ in their first word piece");
            }
        }
    }

    /** The first token of the label as it follows the prompt (after a space), skipping pieces that are only space. */
    private static int firstToken(Vocab vocab, String label) {
        for (int token : vocab.tokenize(" " + label.strip(), false, false)) {
            if (!vocab.tokenToPiece(token).isBlank()) {
                return token;
            }
        }
        throw new IllegalArgumentException("label '" + label + "' has no token");
    }

    /** Asks the judge once; the index of the best-scored label, empty when none was among the likely tokens. */
    OptionalInt pick(Session session, String prompt) throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text(prompt), 1)
                .withSampling(Sampling.GREEDY.withTopLogprobs(Sampling.MAX_TOP_LOGPROBS));
        MemberAnswer answer = session.await(session.start(judge, "judge", request), false).requireSucceeded();
        if (answer.tokens().isEmpty()) {
            return OptionalInt.empty();
        }
        Map<Integer, Float> logprobs = new HashMap<>();
        GenerationEvent.Token step = answer.tokens().getFirst();
        for (TokenLogprob top : step.topLogprobs()) {
            logprobs.put(top.token(), top.logprob());
        }
        logprobs.putIfAbsent(step.token(), step.logprob());
        int best = -1;
        float bestLogprob = Float.NEGATIVE_INFINITY;
        for (int index = 0; index < firstTokens.length; index++) {
            float logprob = logprobs.getOrDefault(firstTokens[index], Float.NEGATIVE_INFINITY);
            if (logprob > bestLogprob) {
                best = index;
                bestLogprob = logprob;
            }
        }
        return best < 0 ? OptionalInt.empty() : OptionalInt.of(best);
    }
}
