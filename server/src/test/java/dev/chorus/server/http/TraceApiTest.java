package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code "chorus": {"trace": k}} extension on a real engine: its shape in streamed chunks and whole answers, that
 * it describes the distributions the step really fused (a linear pool's chosen-token probability is the weighted mean
 * of its members'; a single model's own distribution is its fused one), that it changes no sampled token, its bounds,
 * and that the official client still validates traced answers.
 */
@Timeout(120)
class TraceApiTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final int MAX_TOKENS = 12;
    private static ServedEngine served;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: 128, slots: 2 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 128, slots: 2 }
                collaborations:
                  experts: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                  pick:    { kind: router, members: [kjv, pydocs], default: kjv }
                scheduler: { max_queued: 8, prefill_chunk: 64 }
                """, ServedEngine.loopback());
        http = new HttpProbe(served.server());
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void everyStreamedTokenCarriesItsStepWithTheFusedAndEachMembersTopK() {
        List<JsonNode> steps = streamedSteps(request("experts", 3));
        assertFalse(steps.isEmpty());
        for (JsonNode step : steps) {
            assertTopK(step.get("top"), 3);
            assertTrue(step.get("top").get(0).get("logprob").asDouble() >= step.get("logprob").asDouble(), step::toString);
            assertTrue(step.get("text").isTextual() && step.get("token").isInt(), step::toString);
            JsonNode members = step.get("members");
            assertEquals(List.of("kjv", "pydocs"), members.findValuesAsText("model"));
            double pooled = 0;
            for (JsonNode member : members) {
                assertTopK(member.get("top"), 3);
                double logprob = member.get("logprob").asDouble();
                assertTrue(logprob <= 0 && logprob <= member.get("top").get(0).get("logprob").asDouble(), step::toString);
                pooled += 0.5 * Math.exp(logprob);
            }
            // The linear pool of two members at temperature 1 with weights ½, ½.
            assertEquals(pooled, Math.exp(step.get("logprob").asDouble()), 1e-4 * pooled + 1e-6, step::toString);
        }
    }

    @Test
    void theWholeAnswerCarriesTheStreamsStepsAndTracingChangesNoToken() {
        ObjectNode traced = request("experts", 4);
        List<JsonNode> streamed = streamedSteps(traced.deepCopy());
        JsonNode whole = HttpProbe.json(http.post(CHAT, traced.toString()).body());
        JsonNode choice = whole.get("choices").get(0);
        ArrayNode trace = (ArrayNode) choice.get("chorus").get("trace");
        assertEquals(whole.get("usage").get("completion_tokens").asInt(), trace.size());
        assertEquals(streamed, List.copyOf(iterate(trace)));

        ObjectNode untraced = request("experts", 0);
        JsonNode plain = HttpProbe.json(http.post(CHAT, untraced.toString()).body()).get("choices").get(0);
        assertFalse(plain.has("chorus"), "no trace unless asked");
        assertEquals(plain.get("message").get("content"), choice.get("message").get("content"));
    }

    @Test
    void aSingleModelsOwnDistributionIsItsFusedOne() {
        for (JsonNode step : streamedSteps(request("kjv", 5))) {
            JsonNode member = step.get("members").get(0);
            assertEquals(1, step.get("members").size());
            assertEquals(step.get("top").findValues("token"), member.get("top").findValues("token"), step::toString);
            assertEquals(step.get("logprob").asDouble(), member.get("logprob").asDouble(), 1e-4, step::toString);
            for (int j = 0; j < 5; j++) {
                assertEquals(step.get("top").get(j).get("logprob").asDouble(),
                        member.get("top").get(j).get("logprob").asDouble(), 1e-4, step::toString);
            }
        }
    }

    @Test
    void theTraceSizeIsBoundedAndReportedLogprobsKeepTheirOwnCount() {
        ObjectNode body = request("experts", 20);
        body.put("logprobs", true).put("top_logprobs", 2);
        JsonNode choice = HttpProbe.json(http.post(CHAT, body.toString()).body()).get("choices").get(0);
        for (JsonNode token : choice.get("logprobs").get("content")) {
            assertEquals(2, token.get("top_logprobs").size());
        }
        for (JsonNode step : choice.get("chorus").get("trace")) {
            assertTopK(step.get("top"), 20);
            step.get("members").forEach(member -> assertTopK(member.get("top"), 20));
        }
    }

    @Test
    void theLegacyCompletionsEndpointIsTracedToo() {
        ObjectNode body = Json.object().put("model", "experts").put("prompt", "In the beginning")
                .put("max_tokens", MAX_TOKENS).put("temperature", 0).put("logprobs", 1);
        body.putObject("chorus").put("trace", 2);
        JsonNode answer = HttpProbe.json(http.post("/v1/completions", body.toString()).body());
        JsonNode choice = answer.get("choices").get(0);
        JsonNode trace = choice.get("chorus").get("trace");
        assertEquals(answer.get("usage").get("completion_tokens").asInt(), trace.size());
        JsonNode logprobs = choice.get("logprobs").get("token_logprobs");
        for (int i = 0; i < trace.size(); i++) {
            assertTopK(trace.get(i).get("top"), 2);
            // Greedy: the chosen token is the fused top one, with the log-probability the standard field reports.
            assertEquals(trace.get(i).get("top").get(0).get("token"), trace.get(i).get("token"));
            assertEquals(logprobs.get(i).asDouble(), trace.get(i).get("logprob").asDouble(), 1e-9);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "21", "1.5", "\"3\"", "true", "[]"})
    void aBadTraceIsRefusedNamingIt(String value) {
        ObjectNode body = request("experts", 1);
        body.with("chorus").set("trace", HttpProbe.json(value));
        HttpProbe.assertError(http.post(CHAT, body.toString()), 400, "chorus.trace",
                value.equals("-1") || value.equals("21") ? "invalid_value" : "invalid_type");
    }

    @Test
    void anOrchestrationHasNoDistributionToTrace() {
        HttpProbe.assertError(http.post(CHAT, request("pick", 2).toString()), 400, "chorus.trace", "invalid_value");
        assertEquals(200, http.post(CHAT, request("pick", 0).toString()).statusCode());
    }

    @Test
    void theOfficialClientValidatesTracedAnswersAndReadsTheExtension() {
        OpenAIClient client = served.openAiClient();
        try {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                    .model("experts").addUserMessage("And God said").maxCompletionTokens(MAX_TOKENS)
                    .temperature(0.0)
                    .putAdditionalBodyProperty("chorus", JsonValue.from(Map.of("trace", 2)))
                    .build();
            ChatCompletion whole = client.chat().completions().create(params).validate();
            JsonNode trace = whole.choices().getFirst()._additionalProperties().get("chorus").convert(JsonNode.class)
                    .get("trace");
            assertEquals(whole.usage().orElseThrow().completionTokens(), trace.size());
            int tracedChunks = 0;
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
                for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                    chunk.validate();
                    if (!chunk.choices().isEmpty()
                            && chunk.choices().getFirst()._additionalProperties().containsKey("chorus")) {
                        tracedChunks++;
                    }
                }
            }
            assertEquals(trace.size(), tracedChunks);
        } finally {
            client.close();
        }
    }

    /** A seeded, sampled chat request for {@code model}, traced with {@code k} top tokens (0: no extension). */
    private static ObjectNode request(String model, int k) {
        ObjectNode body = Json.object().put("model", model).put("max_tokens", MAX_TOKENS).put("temperature", 0.9)
                .put("seed", 11).put("cache_prompt", false);
        body.putArray("messages").addObject().put("role", "user").put("content", "And God said");
        if (k > 0) {
            body.putObject("chorus").put("trace", k);
        }
        return body;
    }

    /** Streams {@code body}; every chunk with text or a trace holds one step, returned in order. */
    private static List<JsonNode> streamedSteps(ObjectNode body) {
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        List<JsonNode> steps = new ArrayList<>();
        int completionTokens;
        try (Stream<String> lines = http.sendLines(http.request(CHAT)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))).body()) {
            List<JsonNode> chunks = lines.filter(line -> line.startsWith("data: {"))
                    .map(line -> HttpProbe.json(line.substring("data: ".length()))).toList();
            for (JsonNode chunk : chunks) {
                JsonNode choices = chunk.get("choices");
                if (!choices.isEmpty() && choices.get(0).has("chorus")) {
                    JsonNode trace = choices.get(0).get("chorus").get("trace");
                    assertEquals(1, trace.size(), chunk::toString);
                    steps.add(trace.get(0));
                }
            }
            completionTokens = chunks.getLast().get("usage").get("completion_tokens").asInt();
        }
        assertEquals(completionTokens, steps.size(), "one traced chunk per token");
        return steps;
    }

    /** {@code k} entries in descending log-probability, each a token id, its text and a log-probability ≤ 0. */
    private static void assertTopK(JsonNode top, int k) {
        assertEquals(k, top.size(), top::toString);
        double previous = 0;
        for (JsonNode entry : top) {
            double logprob = entry.get("logprob").asDouble();
            assertTrue(logprob <= previous + 1e-6 && entry.get("token").isInt() && entry.get("text").isTextual(),
                    top::toString);
            previous = logprob;
        }
    }

    private static List<JsonNode> iterate(ArrayNode array) {
        List<JsonNode> nodes = new ArrayList<>();
        array.forEach(nodes::add);
        return nodes;
    }
}
