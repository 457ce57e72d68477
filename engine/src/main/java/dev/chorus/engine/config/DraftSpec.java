package dev.chorus.engine.config;

import java.util.Objects;

/**
 * Draft-model speculative decoding of a {@code single} collaboration ({@code draft: MODEL}, {@code draft_tokens: N}):
 * the draft proposes up to {@code maxTokens} tokens per round, the collaboration verifies them in one batched decode
 * ({@code kernels/FUSION.md} step 9), so its output is that of the collaboration alone (greedy identical, sampling
 * exact).
 *
 * @param model     the draft model; it must share the collaboration's vocabulary
 * @param maxTokens the longest proposal; the length adapts below it to how many proposals are accepted
 */
public record DraftSpec(String model, int maxTokens, ConfigLocation location) {
    /** llama-server's default {@code --draft-max} is 16; short proposals suit models of similar speed. */
    public static final int DEFAULT_TOKENS = 8;
    /** A proposal's rows must fit one fusion step: this bounds its shape. */
    public static final int MAX_TOKENS = 32;

    public DraftSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(location, "location");
        if (maxTokens < 1 || maxTokens > MAX_TOKENS) {
            throw new IllegalArgumentException("draft_tokens must be in [1, " + MAX_TOKENS + "]: " + maxTokens);
        }
    }
}
