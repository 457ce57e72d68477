package dev.chorus.engine;

/** Token counts of one generation: the prompt as decoded, and the tokens sampled and emitted (an end-of-generation token is not counted). */
public record Usage(int promptTokens, int completionTokens) {
    public Usage {
        if (promptTokens < 0 || completionTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0: " + promptTokens + ", " + completionTokens);
        }
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
