package dev.chorus.engine;

/**
 * A prompt longer than a collaboration's slot context: OpenAI's {@code context_length_exceeded}, blamed on
 * {@code messages} for a chat and {@code prompt} otherwise; or an embedding input longer than its model embeds at
 * once, blamed on {@code input}.
 */
public final class ContextLengthExceeded extends InvalidRequest {
    private static final long serialVersionUID = 1L;

    ContextLengthExceeded(Prompt prompt, int tokens, int allowed, String collaboration) {
        this(prompt instanceof Prompt.Chat ? "messages" : "prompt", tokens, allowed, "the "
                + (prompt instanceof Prompt.Chat ? "messages" : "prompt") + " hold", "collaboration '" + collaboration
                + "'");
    }

    private ContextLengthExceeded(String param, int tokens, int allowed, String holder, String where) {
        super(param, "This model's maximum context length is " + allowed + " tokens per request; " + holder + " "
                + tokens + " tokens (" + where + ").");
    }

    /** An embedding input ({@code which}: "the input", "input 3") of {@code tokens} where {@code model} embeds {@code allowed}. */
    static ContextLengthExceeded ofInput(int tokens, int allowed, String which, String model) {
        return new ContextLengthExceeded("input", tokens, allowed, which + " holds", "model '" + model + "'");
    }
}
