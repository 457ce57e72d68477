package dev.chorus.engine.remote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.Usage;

import java.util.ArrayList;
import java.util.List;

/** The JSON of an OpenAI-compatible completion call: the request body and the parsed answer. */
final class OpenAiWire {
    /** Remote tokens have no id in any local vocabulary. */
    static final int NO_TOKEN = -1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A parsed answer: its tokens (one per returned log-probability, or one for the whole text without them). */
    record Answer(List<GenerationEvent.Token> tokens, FinishReason reason, Usage usage) {
    }

    private OpenAiWire() {
    }

    static String body(String model, GenerationRequest request) {
        ObjectNode body = MAPPER.createObjectNode().put("model", model).put("max_tokens", request.maxTokens());
        switch (request.prompt()) {
            case Prompt.Chat chat -> {
                ArrayNode messages = body.putArray("messages");
                for (Message message : chat.messages()) {
                    messages.addObject().put("role", message.role()).put("content", message.content());
                }
                body.put("logprobs", true);
            }
            case Prompt.Text text -> body.put("prompt", text.text()).put("logprobs", 1);
            case Prompt.Tokens ignored -> throw new IllegalArgumentException("token prompts are not sent to remotes");
        }
        Sampling sampling = request.sampling();
        body.put("temperature", sampling.temperature()).put("top_p", sampling.topP())
                .put("presence_penalty", sampling.presencePenalty())
                .put("frequency_penalty", sampling.frequencyPenalty())
                .put("seed", sampling.seed());
        if (!request.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            request.stop().forEach(stop::add);
        }
        return body.toString();
    }

    static Answer parse(String json, boolean chat) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new RemoteFailure("the remote answered with invalid JSON: " + e.getOriginalMessage());
        }
        JsonNode choice = root.path("choices").path(0);
        JsonNode textNode = chat ? choice.path("message").path("content") : choice.path("text");
        if (!textNode.isTextual()) {
            throw new RemoteFailure("the remote's answer has no " + (chat ? "choices[0].message.content"
                    : "choices[0].text"));
        }
        String text = textNode.asText();
        FinishReason reason = "length".equals(choice.path("finish_reason").asText()) ? FinishReason.LENGTH
                : FinishReason.STOP;
        JsonNode usage = root.path("usage");
        return new Answer(tokens(text, choice.path("logprobs"), chat), reason,
                new Usage(usage.path("prompt_tokens").asInt(0), usage.path("completion_tokens").asInt(0)));
    }

    /** One event per returned token when their texts add up to the answer; else one event without a log-probability. */
    private static List<GenerationEvent.Token> tokens(String text, JsonNode logprobs, boolean chat) {
        List<String> pieces = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        if (chat) {
            for (JsonNode entry : logprobs.path("content")) {
                pieces.add(entry.path("token").asText());
                values.add((float) entry.path("logprob").asDouble(Double.NaN));
            }
        } else {
            JsonNode tokenTexts = logprobs.path("tokens");
            JsonNode tokenLogprobs = logprobs.path("token_logprobs");
            for (int index = 0; index < tokenTexts.size(); index++) {
                pieces.add(tokenTexts.path(index).asText());
                values.add((float) tokenLogprobs.path(index).asDouble(Double.NaN));
            }
        }
        List<GenerationEvent.Token> tokens = new ArrayList<>();
        if (!pieces.isEmpty() && String.join("", pieces).equals(text)) {
            for (int index = 0; index < pieces.size(); index++) {
                tokens.add(new GenerationEvent.Token(NO_TOKEN, pieces.get(index), values.get(index), List.of(),
                        List.of()));
            }
        } else if (!text.isEmpty()) {
            tokens.add(new GenerationEvent.Token(NO_TOKEN, text, Float.NaN, List.of(), List.of()));
        }
        return tokens;
    }

    /** The {@code error.message} of an error body, or the body itself, shortened. */
    static String errorMessage(String body) {
        try {
            JsonNode message = MAPPER.readTree(body).path("error").path("message");
            if (message.isTextual()) {
                return message.asText();
            }
        } catch (JsonProcessingException e) {
            // not JSON: the body itself says what went wrong
        }
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }
}
