package dev.chorus.engine;

/**
 * A prompt longer than a collaboration's slot context: OpenAI's {@code context_length_exceeded}, blamed on
 * {@code messages} for a chat and {@code prompt} otherwise.
 */
public final class ContextLengthExceeded extends InvalidRequest {
    private static final long serialVersionUID = 1L;

    ContextLengthExceeded(Prompt prompt, int tokens, int allowed, String collaboration) {
        super(prompt instanceof Prompt.Chat ? "messages" : "prompt", "This model's maximum context length is "
                + allowed + " tokens per request; the " + (prompt instanceof Prompt.Chat ? "messages" : "prompt")
                + " hold " + tokens + " tokens (collaboration '" + collaboration + "').");
    }
}
