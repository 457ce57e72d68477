package dev.chorus.engine;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Generation} streams: one {@link Token} per sampled token, then exactly one {@link Finished}.
 * The concatenated {@code text} of all events is the completion; a token's text may be empty while its bytes
 * complete no code point yet or while they could be the start of a stop string.
 */
public sealed interface GenerationEvent {
    /** The text this event releases. */
    String text();

    /**
     * A sampled token.
     *
     * @param logprob     its log-probability under the fused distribution
     * @param topLogprobs the most likely fused tokens, as many as the request asked for
     * @param members     per-member statistics, in fusion-member order
     * @param trace       the step's fused and per-member top tokens, when the request asked for a trace
     */
    record Token(int token, String text, float logprob, List<TokenLogprob> topLogprobs, List<MemberStats> members,
                 Optional<StepTrace> trace) implements GenerationEvent {
        public Token {
            Objects.requireNonNull(text, "text");
            topLogprobs = List.copyOf(topLogprobs);
            members = List.copyOf(members);
            Objects.requireNonNull(trace, "trace");
        }

        /** An untraced token. */
        public Token(int token, String text, float logprob, List<TokenLogprob> topLogprobs, List<MemberStats> members) {
            this(token, text, logprob, topLogprobs, members, Optional.empty());
        }
    }

    /** The end: text held until now (a partial stop-string match that did not complete), reason and usage. */
    record Finished(String text, FinishReason reason, Usage usage, Optional<String> error) implements GenerationEvent {
        public Finished {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(usage, "usage");
            Objects.requireNonNull(error, "error");
        }
    }
}
