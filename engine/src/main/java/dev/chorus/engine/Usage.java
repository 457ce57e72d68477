package dev.chorus.engine;

/**
 * Token counts of one generation: the prompt as decoded, and the tokens sampled and emitted (an end-of-generation
 * token is not counted).
 *
 * @param cachedPromptTokens prompt tokens whose KV cells were reused from an earlier request instead of prefilled
 *                           (OpenAI's {@code usage.prompt_tokens_details.cached_tokens})
 */
public record Usage(int promptTokens, int completionTokens, int cachedPromptTokens) {
    public Usage {
        if (promptTokens < 0 || completionTokens < 0 || cachedPromptTokens < 0 || cachedPromptTokens > promptTokens) {
            throw new IllegalArgumentException("token counts must be >= 0 and cached <= prompt: " + promptTokens
                    + ", " + completionTokens + ", " + cachedPromptTokens);
        }
    }

    /** Counts with nothing from the cache. */
    public Usage(int promptTokens, int completionTokens) {
        this(promptTokens, completionTokens, 0);
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
