package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What local-server users rely on beyond the completions: structured output and grammars over HTTP (whole and
 * streamed, with log-probabilities of the masked fused distribution), HEAD on GET routes, CORS for loopback origins
 * and preflights, and {@code context_length_exceeded}.
 */
@Timeout(300)
class ApiSurfaceTest {
    private static final String CHAT = "/v1/chat/completions";
    private static ServedEngine served;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: 96, slots: 2 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 96, slots: 2 }
                collaborations:
                  pair: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
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
    void aJsonSchemaAnswerParsesAndItsLogprobsAreMasked() {
        JsonNode answer = HttpProbe.json(http.post(CHAT, """
                {"model": "pair", "messages": [{"role": "user", "content": "Yes or no?"}], "max_tokens": 40,
                 "temperature": 0.8, "seed": 3, "logprobs": true, "top_logprobs": 5,
                 "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "strict": true,
                   "schema": {"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}},
                              "required": ["answer"], "additionalProperties": false}}}}""").body());
        JsonNode choice = answer.get("choices").get(0);
        assertEquals("stop", choice.get("finish_reason").asText(), answer.toString());
        String content = choice.get("message").get("content").asText();
        assertTrue(List.of("yes", "no").contains(HttpProbe.json(content).get("answer").asText()), content);
        JsonNode first = choice.get("logprobs").get("content").get(0);
        double mass = 0;
        for (JsonNode top : first.get("top_logprobs")) {
            mass += Math.exp(top.get("logprob").asDouble());
        }
        assertEquals(1.0, mass, 1e-3, "the first token must be '{': all the mass is on it: " + first);
    }

    @Test
    void aSampledFirstDrawTheSchemaRefusesIsRedrawnAndCounted() {
        String series = "chorus_constrained_redraws_total{collaboration=\"kjv\"}";
        double before = http.metric(series);
        // Sampled without log-probabilities, a step draws before masking; a Bible model's first draw is not "{".
        JsonNode answer = HttpProbe.json(http.post(CHAT, """
                {"model": "kjv", "messages": [{"role": "user", "content": "Who?"}], "max_tokens": 8, "seed": 5,
                 "response_format": {"type": "json_object"}}""").body());
        assertTrue(answer.get("choices").get(0).get("message").get("content").asText().startsWith("{"),
                answer.toString());
        assertTrue(http.metric(series) >= before + 1, "redraws " + before + " -> " + http.metric(series));
    }

    @Test
    void aStreamedGrammarAnswerIsExactlyTheGrammarsString() {
        HttpResponse<java.util.stream.Stream<String>> response = http.sendLines(http.request(CHAT)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model": "kjv", "messages": [{"role": "user", "content": "Say it."}], "max_tokens": 30,
                         "stream": true, "grammar": "root ::= \\"In the beginning\\""}""")));
        assertEquals(200, response.statusCode());
        String text = response.body().filter(line -> line.startsWith("data: {"))
                .map(line -> HttpProbe.json(line.substring(6)).get("choices"))
                .filter(choices -> !choices.isEmpty() && choices.get(0).get("delta").has("content"))
                .map(choices -> choices.get(0).get("delta").get("content").asText())
                .collect(Collectors.joining());
        assertEquals("In the beginning", text);
    }

    @Test
    void headAnswersEveryGetRouteWithoutABody() {
        for (String path : List.of("/v1/models", "/health", "/metrics")) {
            HttpResponse<String> head = http.send(http.request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertEquals(200, head.statusCode(), path);
            assertEquals("", head.body(), path);
        }
        HttpResponse<String> post = http.send(http.request(CHAT).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(405, post.statusCode());
        assertTrue(post.headers().firstValue("Allow").orElse("").contains("POST"));
    }

    @Test
    void loopbackOriginsGetCorsHeadersAndPreflightsOthersDoNot() {
        HttpResponse<String> preflight = http.send(http.request(CHAT).header("Origin", "http://localhost:5173")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertEquals(204, preflight.statusCode());
        assertEquals("http://localhost:5173", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
        assertEquals("authorization, content-type",
                preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(""));
        HttpResponse<String> models = http.send(http.request("/v1/models").header("Origin", "http://127.0.0.1:8000").GET());
        assertEquals("http://127.0.0.1:8000", models.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        HttpResponse<String> foreign = http.send(http.request("/v1/models").header("Origin", "https://example.com").GET());
        assertEquals(200, foreign.statusCode());
        assertFalse(foreign.headers().firstValue("Access-Control-Allow-Origin").isPresent());
    }

    @Test
    void tokenizeAndDetokenizeRoundTripInLlamaServersShape() {
        JsonNode tokens = HttpProbe.json(http.post("/tokenize",
                "{\"model\": \"pair\", \"content\": \"In the beginning God created\"}").body()).get("tokens");
        assertTrue(tokens.size() >= 3 && tokens.get(0).isInt(), tokens.toString());
        JsonNode pieces = HttpProbe.json(http.post("/tokenize",
                "{\"content\": \"In the beginning God created\", \"with_pieces\": true}").body()).get("tokens");
        assertEquals(tokens.get(0).asInt(), pieces.get(0).get("id").asInt());
        assertTrue(pieces.get(0).get("piece").isTextual());
        JsonNode text = HttpProbe.json(http.post("/detokenize", "{\"model\": \"kjv\", \"tokens\": " + tokens + "}")
                .body());
        assertEquals("In the beginning God created", text.get("content").asText().strip());
        HttpProbe.assertError(http.post("/detokenize", "{\"tokens\": [99999999]}"), 400, "tokens", "invalid_value");
        HttpProbe.assertError(http.post("/tokenize", "{\"model\": \"pair\"}"), 400, "content",
                "missing_required_parameter");
    }

    @Test
    void aPromptLongerThanTheContextIsContextLengthExceeded() {
        String words = "and the LORD said ".repeat(60);
        HttpProbe.assertError(http.post(CHAT, """
                {"model": "pair", "messages": [{"role": "user", "content": "%s"}], "max_tokens": 2}""".formatted(words)),
                400, "messages", "context_length_exceeded");
        HttpProbe.assertError(http.post("/v1/completions", """
                {"model": "pair", "prompt": "%s", "max_tokens": 2}""".formatted(words)),
                400, "prompt", "context_length_exceeded");
    }
}
