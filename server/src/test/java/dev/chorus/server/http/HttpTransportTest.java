package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transport-level errors and protections over plain HTTP: malformed and truncated bodies, the size limit (declared
 * and chunked), unknown paths and methods, bearer keys, {@code Upgrade: h2c}, the per-request deadline and a prompt
 * the engine refuses, each against a real server over a real engine.
 */
@Timeout(120)
class HttpTransportTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String KEY = "sk-chorus-test-key";
    private static final String BODY = """
            {"model": "base", "messages": [{"role": "user", "content": "In the beginning"}], "max_tokens": 3}""";
    private static final long MAX_BODY = 8 * 1024;
    private static ServedEngine served;
    private static ChorusServer open;
    private static ChorusServer keyed;
    private static ChorusServer hasty;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  base: { path: {BASE}, threads: 1, context: 64, slots: 2 }
                """,
                ServedEngine.loopback().withMaxBodyBytes(MAX_BODY),
                ServedEngine.loopback().withApiKey(KEY),
                ServedEngine.loopback().withRequestTimeout(Duration.ofNanos(1)));
        open = served.server(0);
        keyed = served.server(1);
        hasty = served.server(2);
        http = new HttpProbe(open);
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void truncatedJsonIs400() {
        HttpProbe.assertError(http.post(CHAT, BODY.substring(0, BODY.length() - 7)), 400, null, "invalid_json");
        HttpProbe.assertError(http.post(CHAT, ""), 400, null, "invalid_json");
        HttpProbe.assertError(http.post(CHAT, "[1, 2]"), 400, null, "invalid_json");
        HttpProbe.assertError(http.post(CHAT, BODY + " {}"), 400, null, "invalid_json");
    }

    @Test
    void aBodyShorterThanItsContentLengthIs400() throws IOException {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        try (RawHttp raw = new RawHttp(open)) {
            raw.send("POST " + CHAT + " HTTP/1.1", "Content-Type: application/json\r\nContent-Length: "
                    + (body.length + 40) + "\r\n", body);
            raw.endOutput();
            assertEquals("HTTP/1.1 400 Bad Request", raw.statusLine());
            assertEquals("invalid_json", HttpProbe.json(raw.body()).get("error").get("code").asText());
        }
    }

    @Test
    void aChunkedBodyIsRead() {
        HttpResponse<String> response = http.post(CHAT, HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(BODY.getBytes(StandardCharsets.UTF_8))));
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("chat.completion", HttpProbe.json(response.body()).get("object").asText());
    }

    @Test
    void anOversizeBodyIs413DeclaredOrChunked() {
        String oversize = BODY.replace("In the beginning", randomText(new Random(413), (int) MAX_BODY));
        HttpProbe.assertError(http.post(CHAT, oversize), 413, null, "request_too_large");
        HttpProbe.assertError(http.post(CHAT, HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(oversize.getBytes(StandardCharsets.UTF_8)))), 413, null,
                "request_too_large");
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() {
        HttpProbe.assertError(http.get("/v1/audio/speech"), 404, null, "not_found");
        HttpResponse<String> wrongMethod = http.get(CHAT);
        HttpProbe.assertError(wrongMethod, 405, null, "method_not_allowed");
        assertEquals("POST, OPTIONS", wrongMethod.headers().firstValue("Allow").orElseThrow());
        HttpProbe.assertError(http.post("/v1/models", "{}"), 405, null, "method_not_allowed");
    }

    @Test
    void aConfiguredKeyIsRequiredExceptForHealth() {
        HttpProbe.assertError(new HttpProbe(keyed).get("/v1/models"), 401, null, "invalid_api_key");
        HttpProbe.assertError(new HttpProbe(keyed, Optional.of(KEY + "x")).post(CHAT, BODY), 401, null,
                "invalid_api_key");
        HttpProbe.assertError(new HttpProbe(keyed, Optional.of(KEY.substring(1))).get("/metrics"), 401, null,
                "invalid_api_key");
        assertEquals(200, new HttpProbe(keyed, Optional.of(KEY)).post(CHAT, BODY).statusCode());
        assertEquals(200, new HttpProbe(keyed).get("/health").statusCode());
    }

    @Test
    void anUpgradeToH2cIsIgnored() throws IOException {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        try (RawHttp raw = new RawHttp(open)) {
            raw.send("POST " + CHAT + " HTTP/1.1", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n", body);
            assertEquals("HTTP/1.1 200 OK", raw.statusLine());
            assertEquals("chat.completion", HttpProbe.json(raw.body()).get("object").asText());
        }
    }

    @Test
    void aRequestPastTheDeadlineIs504OrAnErrorEvent() throws IOException {
        HttpProbe.assertError(new HttpProbe(hasty).post(CHAT, BODY), 504, null, "request_timeout");
        try (RawHttp raw = new RawHttp(hasty)) {
            raw.postJson(CHAT, BODY.replace("\"max_tokens\"", "\"stream\": true, \"max_tokens\""));
            assertEquals("HTTP/1.1 200 OK", raw.statusLine());
            JsonNode event = HttpProbe.json(raw.lineStartingWith("data: {\"error\"").substring("data: ".length()));
            assertEquals("request_timeout", event.get("error").get("code").asText());
        }
    }

    @Test
    void aPromptLongerThanTheContextIs400() {
        String tooLong = BODY.replace("In the beginning", randomText(new Random(64), 1500));
        HttpResponse<String> response = http.post(CHAT, tooLong);
        HttpProbe.assertError(response, 400, "messages", "context_length_exceeded");
        assertTrue(response.body().contains("maximum context length is 63 tokens"), response.body());
    }

    @Test
    void healthAndMetricsAnswer() {
        assertEquals(200, http.post(CHAT, BODY).statusCode());
        JsonNode health = HttpProbe.json(http.get("/health").body());
        assertEquals("ok", health.get("status").asText());
        HttpResponse<String> metrics = http.get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        String text = metrics.body();
        for (String expected : new String[] {
                "chorus_requests_total{endpoint=\"/v1/chat/completions\",model=\"base\",status=\"200\"} ",
                "# TYPE chorus_step_latency_seconds histogram",
                "chorus_step_latency_seconds_bucket{collaboration=\"base\",le=\"+Inf\"} ",
                "chorus_time_to_first_token_seconds_count{model=\"base\"} ",
                "chorus_completion_tokens_total{model=\"base\"} ",
                "chorus_queue_depth 0",
                "chorus_active_sequences "}) {
            assertTrue(text.contains(expected), "metrics contain " + expected + "\n" + text);
        }
    }

    /** Lower-case words from a fixed seed: real-looking text that tokenizes to many tokens. */
    private static String randomText(Random random, int characters) {
        StringBuilder text = new StringBuilder(characters);
        while (text.length() < characters) {
            int word = 2 + random.nextInt(7);
            for (int i = 0; i < word; i++) {
                text.append((char) ('a' + random.nextInt(26)));
            }
            text.append(' ');
        }
        return text.substring(0, characters);
    }
}
