package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.Constraint;
import dev.chorus.engine.FusionOverrides;
import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.tools.ToolCalling;
import dev.chorus.engine.tools.ToolChoice;
import dev.chorus.engine.tools.ToolTranscript;

import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Translates the JSON body of a completion request into a {@link CompletionRequest} of the engine's value types:
 * JSON types and the HTTP API's own fields ({@code n}, {@code stream}, which of {@code max_tokens} and
 * {@code max_completion_tokens}) are checked here, every value rule by the engine ({@link Sampling},
 * {@link Prompt.Chat}, {@link FusionOverrides}), whose {@code InvalidRequest} becomes a 400 naming the field.
 * Defaults follow OpenAI (temperature 1, no top-k or min-p), not llama-server, so a client gets what its
 * documentation promises. Fields that would change the answer but are not served (audio, the legacy functions) are
 * refused rather than ignored; {@code response_format}, {@code grammar} and {@code logit_bias} go to
 * {@link ConstraintFields}, the tool-calling fields to {@link ToolFields}.
 */
final class CompletionRequestParser {
    static final int MAX_CHOICES = 16;
    /** The sampling a request gets for each field it leaves out ({@code GET /props} reports them). */
    static final double TEMPERATURE = 1;
    static final int TOP_K = 0;
    static final double TOP_P = 1;
    static final double MIN_P = 0;
    static final double REPEAT_PENALTY = 1;
    static final double PRESENCE_PENALTY = 0;
    static final double FREQUENCY_PENALTY = 0;
    private static final int MAX_TOKENS_LIMIT = 1 << 20;

    /** Seeds for requests that give none, so each still samples its own stream. */
    private final RandomGenerator seeds = new SecureRandom();

    /** {@code POST /v1/chat/completions}. */
    CompletionRequest chat(ObjectNode body) throws ApiException {
        RequestFields fields = new RequestFields(body, "");
        String model = fields.requiredString("model");
        Optional<ToolCalling> tools = ToolFields.parse(fields);
        List<Message> messages = messages(fields);
        Prompt prompt = Prompt.chat(tools.map(calling -> calling.prompt(messages)).orElse(messages));
        refuseUnsupported(fields, List.of("functions", "audio"));
        boolean logprobs = fields.bool("logprobs").orElse(false);
        int topLogprobs = fields.integer("top_logprobs").orElse(0);
        if (topLogprobs > 0 && !logprobs) {
            throw ApiException.invalidValue("top_logprobs", "'top_logprobs' needs 'logprobs': true.");
        }
        OptionalInt maxTokens = fields.integer("max_completion_tokens", 1, MAX_TOKENS_LIMIT);
        if (maxTokens.isEmpty()) {
            maxTokens = fields.integer("max_tokens", 1, MAX_TOKENS_LIMIT);
        }
        return common(fields, model, prompt, maxTokens, logprobs, topLogprobs, tools);
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
        OptionalInt logprobCount = fields.integer("logprobs", 0, Sampling.MAX_TOP_LOGPROBS);
        OptionalInt maxTokens = fields.integer("max_tokens", 1, MAX_TOKENS_LIMIT);
        return common(fields, model, prompt, maxTokens, logprobCount.isPresent(), logprobCount.orElse(0),
                Optional.empty());
    }

    private CompletionRequest common(RequestFields fields, String model, Prompt prompt, OptionalInt maxTokens,
                                     boolean logprobs, int topLogprobs, Optional<ToolCalling> tools)
            throws ApiException {
        fields.string("user");
        Sampling sampling = Sampling.GREEDY
                .withTemperature(fields.number("temperature").orElse(TEMPERATURE))
                .withTopK(fields.integer("top_k").orElse(TOP_K))
                .withTopP(fields.number("top_p").orElse(TOP_P))
                .withMinP(fields.number("min_p").orElse(MIN_P))
                .withRepeatPenalty(fields.number("repeat_penalty").orElse(REPEAT_PENALTY))
                .withPresencePenalty(fields.number("presence_penalty").orElse(PRESENCE_PENALTY))
                .withFrequencyPenalty(fields.number("frequency_penalty").orElse(FREQUENCY_PENALTY))
                .withSeed(fields.longInteger("seed").orElseGet(seeds::nextLong))
                .withTopLogprobs(topLogprobs);
        List<String> stop = fields.stringOrStrings("stop");
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
        Constraint own = ConstraintFields.parse(fields);
        // Under 'auto' the request's own grammar or JSON format wins: the answer is then never a call.
        Optional<ToolCalling> callable = tools.map(calling ->
                own.grammar().isPresent() && !calling.choice().forcesCall() ? calling.withChoice(ToolChoice.NONE)
                        : calling);
        return new CompletionRequest(model, prompt, maxTokens, stop, sampling, logprobs, fusion(fields), choices,
                stream, includeUsage, cachePrompt, trace(fields), withToolGrammar(own, callable), callable,
                speculative(fields));
    }

    private static List<Message> messages(RequestFields fields) throws ApiException {
        ArrayNode array = fields.array("messages").orElseThrow(() -> ApiException.missing("messages"));
        ToolTranscript transcript = new ToolTranscript();
        for (int i = 0; i < array.size(); i++) {
            RequestFields message = RequestFields.element(array, "messages", i);
            String role = message.requiredString("role");
            message.string("name");
            refuseUnsupported(message, List.of("function_call"));
            Optional<String> content = content(message);
            if (!ToolFields.addToolMessage(transcript, "messages[" + i + "]", message, role, content)) {
                transcript.message(role, content.orElseThrow(() -> ApiException.missing(message.path("content"))));
            }
        }
        return transcript.messages();
    }

    /** The request's own constraint, or the tools' grammar in its place (a forced call excludes the other grammars). */
    private static Constraint withToolGrammar(Constraint constraint, Optional<ToolCalling> tools) throws ApiException {
        Optional<String> toolGrammar = tools.flatMap(ToolCalling::grammar);
        if (toolGrammar.isEmpty()) {
            return constraint;
        }
        if (constraint.grammar().isPresent()) {
            throw ApiException.invalidValue("tool_choice", "A forced tool call constrains the answer itself: send"
                    + " it without 'grammar' or a JSON 'response_format'.");
        }
        return new Constraint(toolGrammar, constraint.logitBias());
    }

    /** A message's content: a string, or an array of {@code {"type":"text","text":…}} parts joined; empty if absent. */
    private static Optional<String> content(RequestFields message) throws ApiException {
        String path = message.path("content");
        JsonNode content = message.present("content");
        if (content == null) {
            return Optional.empty();
        }
        if (content.isTextual()) {
            return Optional.of(content.textValue());
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
        return Optional.of(text.toString());
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

    private static FusionOverrides fusion(RequestFields fields) throws ApiException {
        Optional<RequestFields> extension = fields.object("chorus");
        if (extension.isEmpty()) {
            return FusionOverrides.NONE;
        }
        RequestFields chorus = extension.get();
        FusionOverrides overrides = FusionOverrides.NONE;
        Optional<ArrayNode> array = chorus.array("weights");
        if (array.isPresent()) {
            float[] weights = new float[array.get().size()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) RequestFields.checkedNumber(array.get().get(i), chorus.path("weights") + "[" + i + "]",
                        -Float.MAX_VALUE, Float.MAX_VALUE);
            }
            overrides = overrides.withWeights(weights);
        }
        Optional<String> method = chorus.string("method");
        if (method.isPresent()) {
            overrides = overrides.withMethodNamed(method.get());
        }
        OptionalDouble lambda = chorus.number("lambda");
        OptionalDouble alpha = chorus.number("alpha");
        OptionalDouble strength = chorus.number("strength");
        overrides = lambda.isPresent() ? overrides.withLambda((float) lambda.getAsDouble()) : overrides;
        overrides = alpha.isPresent() ? overrides.withAlpha((float) alpha.getAsDouble()) : overrides;
        return strength.isPresent() ? overrides.withStrength((float) strength.getAsDouble()) : overrides;
    }

    /** {@code chorus.trace}: how many top tokens each step's trace reports (0 or absent: none; the engine checks it). */
    private static int trace(RequestFields fields) throws ApiException {
        Optional<RequestFields> extension = fields.object("chorus");
        return extension.isEmpty() ? 0 : extension.get().integer("trace").orElse(0);
    }

    /** {@code chorus.speculative}: whether a drafted collaboration may speculate (absent: it does). */
    private static boolean speculative(RequestFields fields) throws ApiException {
        Optional<RequestFields> extension = fields.object("chorus");
        return extension.isEmpty() || extension.get().bool("speculative").orElse(true);
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
