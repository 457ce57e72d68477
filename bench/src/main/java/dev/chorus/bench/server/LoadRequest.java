package dev.chorus.bench.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.FusionOverrides;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;

import java.util.List;
import java.util.Objects;

/**
 * One seeded chat request of the load, in both forms the benchmark sends it: the JSON body of a streamed
 * {@code POST /v1/chat/completions} and the {@link GenerationRequest} the server would make of it, so the engine-only
 * and HTTP phases run the same work.
 *
 * @param model     the model or collaboration
 * @param question  the user message
 * @param seed      the sampling seed
 * @param maxTokens the most tokens to generate
 */
record LoadRequest(String model, String question, long seed, int maxTokens) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final float TEMPERATURE = 0.8f;
    private static final List<String> QUESTIONS = List.of(
            "And it came to pass in those days", "Write a Python function that sorts a list",
            "What is the meaning of the parable", "Explain list comprehensions briefly",
            "In the beginning was the word", "How do I open a file for reading?");

    LoadRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(question, "question");
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be ≥ 1: " + maxTokens);
        }
    }

    /** The {@code sequence}-th request of a load: its question and seed follow from the number. */
    static LoadRequest numbered(String model, long sequence, int maxTokens) {
        return new LoadRequest(model, QUESTIONS.get((int) (sequence % QUESTIONS.size())), 1000 + sequence, maxTokens);
    }

    String json() {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        body.put("max_tokens", maxTokens);
        body.put("temperature", TEMPERATURE);
        body.put("seed", seed);
        return body.toString();
    }

    /** What the server submits for {@link #json()}: chat prompt, sampling fields as sent, the rest at defaults. */
    GenerationRequest generation() {
        return new GenerationRequest(Prompt.chat(List.of(new Message("user", question))), maxTokens, List.of(),
                Sampling.sampled(TEMPERATURE, seed), 0, FusionOverrides.NONE);
    }
}
