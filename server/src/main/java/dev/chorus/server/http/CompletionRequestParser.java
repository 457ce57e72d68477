package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.llama.ChatMessage;
import dev.chorus.kernels.fusion.SamplingParams;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Validates the JSON body of a completion request field by field and builds a {@link CompletionRequest}.
 * Defaults follow OpenAI (temperature 1, no top-k or min-p), not llama-server, so a client gets what its
 * documentation promises. Fields that would change the answer but are not served (tools, audio) are refused rather
 * than ignored; {@code response_format}, {@code grammar} and {@code logit_bias} go to {@link ConstraintFields}.
 */
final class CompletionRequestParser {
    static final int MAX_CHOICES = 16;
    /** The roles a chat template renders; tool messages need tool calls, which are not served. */
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");
    private static final int MAX_TOKENS_LIMIT = 1 << 20;
    private static final int MAX_TOP_K = 1 << 20;
    /** The smallest positive value a float parameter keeps after the cast from a JSON double. */
    private static final double SMALLEST_POSITIVE = 1e-6;

    /** Seeds for requests that give none, so each still samples its own stream. */
    private final RandomGenerator seeds = new SecureRandom();

    /** {@code POST /v1/chat/completions}. */
    CompletionRequest chat(ObjectNode body) throws ApiException {
        RequestFields fields = new RequestFields(body, "");
        String model = fields.requiredString("model");
        Prompt prompt = Prompt.chat(messages(fields));
        if (fields.present("tools") == null) {
            for (String needsTools : List.of("tool_choice", "parallel_tool_calls")) {
                if (fields.present(needsTools) != null) {
                    throw ApiException.invalidValue(needsTools, "'" + needsTools
                            + "' is only allowed when 'tools' are specified.");
                }
            }
        }
        refuseUnsupported(fields, List.of("tools", "functions", "audio"));
        boolean logprobs = fields.bool("logprobs").orElse(false);
        int topLogprobs = fields.integer("top_logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS).orElse(0);
        if (topLogprobs > 0 && !logprobs) {
            throw ApiException.invalidValue("top_logprobs", "'top_logprobs' needs 'logprobs': true.");
        }
        OptionalInt maxTokens = fields.integer("max_completion_tokens", 1, MAX_TOKENS_LIMIT);
        if (maxTokens.isEmpty()) {
            maxTokens = fields.integer("max_tokens", 1, MAX_TOKENS_LIMIT);
        }
        return common(fields, model, prompt, maxTokens, logprobs, topLogprobs);
    }

    /** {@code POST /v1/completions}. */
    CompletionRequest text(ObjectNode body) throws ApiException {
        RequestFields fields = new RequestFields(body, "");
        String model = fields.requiredString("model");
        Prompt prompt = Prompt.text(prompt(fields));
        fields.bool("echo");
        refuseUnsupported(fields, List.of("suffix", "echo"));
        if (fields.integer("best_of", 1, MAX_CHOICES).orElse(1) > 1) {
            throw unsupported("best_of");
        }
        // The legacy endpoint asks for top log-probabilities with an integer 'logprobs'.
        OptionalInt logprobCount = fields.integer("logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS);
        OptionalInt maxTokens = fields.integer("max_tokens", 1, MAX_TOKENS_LIMIT);
        return common(fields, model, prompt, maxTokens, logprobCount.isPresent(), logprobCount.orElse(0));
    }

    private CompletionRequest common(RequestFields fields, String model, Prompt prompt, OptionalInt maxTokens,
                                     boolean logprobs, int topLogprobs) throws ApiException {
        fields.string("user");
        SamplingParams sampling = new SamplingParams(
                (float) fields.number("temperature", 0, 2).orElse(1),
                fields.integer("top_k", 0, MAX_TOP_K).orElse(0),
                (float) positiveTopP(fields),
                (float) fields.number("min_p", 0, 1).orElse(0),
                (float) fields.number("repeat_penalty", SMALLEST_POSITIVE, 10).orElse(1),
                (float) fields.number("presence_penalty", -2, 2).orElse(0),
                (float) fields.number("frequency_penalty", -2, 2).orElse(0),
                fields.longInteger("seed").orElseGet(seeds::nextLong),
                topLogprobs);
        List<String> stop = fields.stringOrStrings("stop", GenerationRequest.MAX_STOP_STRINGS);
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i).isEmpty()) {
                throw ApiException.invalidValue(stop.size() == 1 ? "stop" : "stop[" + i + "]",
                        "A stop string must not be empty.");
            }
        }
        int choices = fields.integer("n", 1, MAX_CHOICES).orElse(1);
        boolean stream = fields.bool("stream").orElse(false);
        Optional<RequestFields> streamOptions = fields.object("stream_options");
        boolean includeUsage = false;
        if (streamOptions.isPresent()) {
            includeUsage = streamOptions.get().bool("include_usage").orElse(false);
            if (!stream) {
                throw ApiException.invalidValue("stream_options", "'stream_options' needs 'stream': true.");
            }
        }
        // llama-server's field: on by default, as there.
        boolean cachePrompt = fields.bool("cache_prompt").orElse(true);
        return new CompletionRequest(model, prompt, maxTokens, stop, sampling, logprobs, fusion(fields), choices,
                stream, includeUsage, cachePrompt, ConstraintFields.parse(fields));
    }

    private static double positiveTopP(RequestFields fields) throws ApiException {
        double topP = fields.number("top_p", 0, 1).orElse(1);
        // OpenAI accepts top_p 0: the smallest nucleus, only the most likely token, which any tiny p also keeps.
        return Math.max(topP, SMALLEST_POSITIVE);
    }

    private static List<ChatMessage> messages(RequestFields fields) throws ApiException {
        ArrayNode array = fields.array("messages").orElseThrow(() -> ApiException.missing("messages"));
        if (array.isEmpty()) {
            throw ApiException.invalidValue("messages", "'messages' must hold at least one message.");
        }
        List<ChatMessage> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            RequestFields message = RequestFields.element(array, "messages", i);
            String role = message.requiredString("role");
            if (!ROLES.contains(role)) {
                throw ApiException.invalidValue(message.path("role"),
                        "'" + message.path("role") + "' must be one of " + ROLES + ", got '"
                                + ApiException.echo(role) + "'.");
            }
            message.string("name");
            refuseUnsupported(message, List.of("tool_calls", "function_call"));
            // OpenAI's newer name for the system role; chat templates know only "system".
            messages.add(new ChatMessage(role.equals("developer") ? "system" : role, content(message)));
        }
        return messages;
    }

    /** A message's content: a string, or an array of {@code {"type":"text","text":…}} parts joined. */
    private static String content(RequestFields message) throws ApiException {
        String path = message.path("content");
        JsonNode content = message.present("content");
        if (content == null) {
            throw ApiException.missing(path);
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!(content instanceof ArrayNode parts)) {
            throw ApiException.invalidType(path, "a string or an array of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            RequestFields part = RequestFields.element(parts, path, i);
            String type = part.requiredString("type");
            if (!type.equals("text")) {
                throw ApiException.invalidValue(part.path("type"),
                        "Only text content parts are served, got '" + type + "'.");
            }
            text.append(part.requiredString("text"));
        }
        return text.toString();
    }

    /** The prompt: a string, or an array holding one string; batches and token arrays are refused. */
    private static String prompt(RequestFields fields) throws ApiException {
        JsonNode prompt = fields.present("prompt");
        if (prompt == null) {
            throw ApiException.missing("prompt");
        }
        if (prompt.isTextual()) {
            return prompt.textValue();
        }
        if (!prompt.isArray()) {
            throw ApiException.invalidType("prompt", "a string or an array of one string");
        }
        if (prompt.size() != 1) {
            throw ApiException.invalidValue("prompt", "Send exactly one prompt per request, got " + prompt.size() + ".");
        }
        if (!prompt.get(0).isTextual()) {
            throw ApiException.invalidType("prompt[0]", "a string");
        }
        return prompt.get(0).textValue();
    }

    private static FusionRequest fusion(RequestFields fields) throws ApiException {
        Optional<RequestFields> extension = fields.object("chorus");
        if (extension.isEmpty()) {
            return FusionRequest.NONE;
        }
        RequestFields chorus = extension.get();
        List<Double> weights = new ArrayList<>();
        Optional<ArrayNode> array = chorus.array("weights");
        if (array.isPresent()) {
            for (int i = 0; i < array.get().size(); i++) {
                JsonNode weight = array.get().get(i);
                weights.add(RequestFields.checkedNumber(weight, chorus.path("weights") + "[" + i + "]", -1e6, 1e6));
            }
            if (weights.isEmpty()) {
                throw ApiException.invalidValue(chorus.path("weights"), "'chorus.weights' must not be empty.");
            }
        }
        Optional<FusionMethod> method = Optional.empty();
        Optional<String> methodName = chorus.string("method");
        if (methodName.isPresent()) {
            method = Optional.of(fusionMethod(methodName.get(), chorus.path("method")));
        }
        OptionalDouble lambda = chorus.number("lambda", 0, 1e6);
        OptionalDouble alpha = chorus.number("alpha", SMALLEST_POSITIVE, 1);
        OptionalDouble strength = chorus.number("strength", -1e6, 1e6);
        return new FusionRequest(weights, method, lambda, alpha, strength);
    }

    private static FusionMethod fusionMethod(String name, String path) throws ApiException {
        for (FusionMethod method : FusionMethod.values()) {
            if (method.name().equalsIgnoreCase(name.replace('-', '_'))) {
                return method;
            }
        }
        throw ApiException.invalidValue(path, "'" + path + "' must be one of "
                + List.of(FusionMethod.values()).toString().toLowerCase(Locale.ROOT) + ", got '"
                + ApiException.echo(name) + "'.");
    }

    /** Refuses fields that would change the answer in a way this server does not implement. */
    private static void refuseUnsupported(RequestFields fields, List<String> names) throws ApiException {
        for (String name : names) {
            JsonNode value = fields.present(name);
            boolean neutral = value == null || value.isContainerNode() && value.isEmpty()
                    || value.isTextual() && value.textValue().isEmpty()
                    || value.isBoolean() && !value.booleanValue();
            if (!neutral) {
                throw unsupported(fields.path(name));
            }
        }
    }

    private static ApiException unsupported(String param) {
        return new ApiException(400, "invalid_request_error", param, "unsupported_parameter",
                "'" + param + "' is not supported by this server.");
    }
}
