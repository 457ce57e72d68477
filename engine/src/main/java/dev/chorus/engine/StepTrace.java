package dev.chorus.engine;

import java.util.List;
import java.util.Objects;

/**
 * What one step of a traced generation saw ({@link GenerationRequest#trace()}): the fused distribution's most likely
 * tokens, and each member's own most likely tokens with its log-probability of the token the step chose. A member's
 * own distribution is its logits at its configured temperature, before fusion and before the request's sampling;
 * log-probabilities are in nats.
 *
 * @param fused   the most likely fused tokens, descending (ties by lower id)
 * @param members one entry per fusion member, in fusion-member order
 */
public record StepTrace(List<TokenLogprob> fused, List<Member> members) {
    public StepTrace {
        fused = List.copyOf(fused);
        members = List.copyOf(members);
    }

    /**
     * One member's view of the step.
     *
     * @param model   the member's model name
     * @param logprob its log-probability of the chosen token
     * @param top     its most likely tokens, descending (ties by lower id)
     */
    public record Member(String model, float logprob, List<TokenLogprob> top) {
        public Member {
            Objects.requireNonNull(model, "model");
            top = List.copyOf(top);
        }
    }
}
