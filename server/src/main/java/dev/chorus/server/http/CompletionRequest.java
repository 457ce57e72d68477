package dev.chorus.server.http;

import dev.chorus.engine.Constraint;
import dev.chorus.engine.FusionOverrides;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.tools.ToolCalling;
import dev.chorus.engine.tools.ToolChoice;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A validated {@code /v1/chat/completions} or {@code /v1/completions} request.
 *
 * @param model        the model or collaboration name
 * @param prompt       the chat or the prompt text
 * @param maxTokens    the most tokens per choice; empty: until the end of the context
 * @param stop         strings that end a choice (never part of its text)
 * @param sampling     temperature, filters, penalties, seed and the number of top log-probabilities
 * @param logprobs     whether each token's log-probability is reported
 * @param fusion       the {@code chorus} extension: per-request fusion changes (checked by the engine on admission)
 * @param choices      {@code n}: independent choices, each its own random stream of the same seed
 * @param stream       answer as server-sent events
 * @param includeUsage with {@code stream}, end with a {@code choices: []} chunk that carries the usage
 * @param cachePrompt  llama-server's {@code cache_prompt}: whether the prompt may reuse cached KV cells
 * @param trace        {@code chorus.trace}: 0, or how many top tokens each step's trace reports per distribution
 * @param constraint   {@code response_format}, {@code grammar} and {@code logit_bias}, or a forced tool call's grammar
 * @param tools        {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}; empty without tools; its
 *                     choice is {@code none} when the request's own grammar leaves the answer no call
 * @param speculative  {@code chorus.speculative}: false decodes a drafted collaboration without its draft
 */
record CompletionRequest(String model, Prompt prompt, OptionalInt maxTokens, List<String> stop,
                         Sampling sampling, boolean logprobs, FusionOverrides fusion, int choices, boolean stream,
                         boolean includeUsage, boolean cachePrompt, int trace, Constraint constraint,
                         Optional<ToolCalling> tools, boolean speculative) {
    CompletionRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(maxTokens, "maxTokens");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(fusion, "fusion");
        Objects.requireNonNull(constraint, "constraint");
        Objects.requireNonNull(tools, "tools");
        stop = List.copyOf(stop);
        if (choices < 1) {
            throw new IllegalArgumentException("choices must be ≥ 1: " + choices);
        }
    }

    /** The engine request of choice {@code choice}. */
    GenerationRequest generation(int choice, int contextTokens) {
        return new GenerationRequest(prompt, maxTokens.orElse(contextTokens), stop, sampling, choice, fusion,
                cachePrompt, trace, constraint, speculative, logprobs);
    }

    /** Whether the answer may be tool calls (returned as {@code tool_calls}): its grammar allows them. */
    boolean callsTools() {
        return tools.isPresent() && tools.get().choice().mode() != ToolChoice.Mode.NONE;
    }

    boolean traced() {
        return trace > 0;
    }
}
