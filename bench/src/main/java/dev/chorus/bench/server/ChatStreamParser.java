package dev.chorus.bench.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Optional;

/**
 * Reads an OpenAI chat-completion event stream line by line and checks it as a client relies on it: {@code data:}
 * events of {@code chat.completion.chunk} JSON, a {@code finish_reason}, a last chunk with {@code usage}
 * (the request asks for {@code include_usage}), then {@code data: [DONE]}. Comment lines ({@code :}) and blank
 * lines are skipped. Not thread-safe: one parser per stream.
 */
final class ChatStreamParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DATA = "data: ";
    private static final String DONE = "[DONE]";

    private int streamedTokens;
    private long firstTokenAt = -1;
    private int completionTokens = -1;
    private String finishReason;
    private boolean done;
    private String problem;

    /**
     * Takes one line received at {@code nanoTime}; returns how many streamed tokens (chunks with text) it carried.
     */
    int accept(String line, long nanoTime) {
        if (line.isEmpty() || line.startsWith(":") || problem != null) {
            return 0;
        }
        if (!line.startsWith(DATA) || done) {
            problem = done ? "an event after [DONE]: " + line : "not an SSE data line: " + line;
            return 0;
        }
        String data = line.substring(DATA.length());
        if (data.equals(DONE)) {
            done = true;
            return 0;
        }
        JsonNode chunk;
        try {
            chunk = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            problem = "an event that is not JSON: " + data;
            return 0;
        }
        if (chunk.has("error")) {
            problem = "an error event: " + chunk.get("error");
            return 0;
        }
        JsonNode usage = chunk.path("usage");
        if (usage.isObject()) {
            completionTokens = usage.path("completion_tokens").asInt(-1);
        }
        int tokens = 0;
        for (JsonNode choice : chunk.path("choices")) {
            if (!choice.path("delta").path("content").asText("").isEmpty()) {
                tokens++;
            }
            if (choice.path("finish_reason").isTextual()) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
        if (tokens > 0 && firstTokenAt < 0) {
            firstTokenAt = nanoTime;
        }
        streamedTokens += tokens;
        return tokens;
    }

    /** The outcome of a stream that began at {@code startNanos} and ended at {@code endNanos}. */
    RequestOutcome outcome(String model, long startNanos, long endNanos) {
        long duration = endNanos - startNanos;
        return problem().map(detail -> RequestOutcome.failed(model, duration, detail))
                .orElseGet(() -> RequestOutcome.ok(model, firstTokenAt - startNanos, streamedTokens, completionTokens,
                        duration));
    }

    private Optional<String> problem() {
        if (problem != null) {
            return Optional.of(problem);
        }
        if (!done) {
            return Optional.of("the stream ended without [DONE]");
        }
        if (finishReason == null) {
            return Optional.of("no finish_reason");
        }
        if (completionTokens < streamedTokens) {
            return Optional.of("usage.completion_tokens " + completionTokens + " is missing or below the "
                    + streamedTokens + " tokens streamed");
        }
        if (firstTokenAt < 0) {
            return Optional.of("no token was streamed");
        }
        return Optional.empty();
    }
}
