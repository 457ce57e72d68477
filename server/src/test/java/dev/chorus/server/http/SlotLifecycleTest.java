package dev.chorus.server.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slots of a real engine through the server: a collaboration with one slot and no admission queue answers a second
 * request with 429, a request whose second choice cannot start gives the first one back, and a client that drops
 * a stream gets its generation cancelled and its slot freed (a leaked slot would answer 429 forever).
 */
@Timeout(120)
class SlotLifecycleTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String LONG_STREAM = """
            {"model": "solo", "messages": [{"role": "user", "content": "And it came to pass"}], "stream": true,
             "max_tokens": 240, "temperature": 0.8, "seed": 5}""";
    private static final String SHORT = """
            {"model": "solo", "messages": [{"role": "user", "content": "Thou shalt"}], "max_tokens": 2}""";
    private static final String ROOMY_WHOLE = """
            {"model": "roomy", "messages": [{"role": "user", "content": "And it came to pass"}],
             "max_tokens": 2000, "temperature": 0.8, "seed": 5}""";
    private static final long SETTLE_MILLIS = 10_000;
    private static final String CANCELLED = "chorus_generations_total{model=\"solo\",reason=\"cancelled\"}";
    private static ServedEngine served;
    private static ChorusServer server;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  solo: { path: {BASE}, threads: 1, context: 256, slots: 1 }
                  roomy: { path: {BASE}, threads: 1, context: 2048, slots: 1 }
                scheduler: { max_queued: 0, prefill_chunk: 64 }
                """, ServedEngine.loopback());
        server = served.server();
        http = new HttpProbe(server);
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void aBusyCollaborationWithoutQueueAnswers429() throws IOException, InterruptedException {
        try (RawHttp stream = new RawHttp(server)) {
            stream.postJson(CHAT, LONG_STREAM);
            assertEquals("HTTP/1.1 200 OK", stream.statusLine());
            stream.lineStartingWith("data: ");
            HttpResponse<String> refused = http.post(CHAT, SHORT);
            HttpProbe.assertError(refused, 429, null, "server_overloaded");
            assertEquals("1", refused.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("rate_limit_error", HttpProbe.json(refused.body()).get("error").get("type").asText());
        }
        assertAdmittedAgain();
    }

    @Test
    void aRequestWhoseSecondChoiceCannotStartGivesTheFirstBack() throws InterruptedException {
        // The first choice is long, so it still holds the only slot when the second asks for one.
        HttpProbe.assertError(http.post(CHAT, SHORT.replace("\"max_tokens\": 2", "\"n\": 2, \"max_tokens\": 200")),
                429, null, "server_overloaded");
        assertAdmittedAgain();
    }

    @Test
    void aClientLeavingMidStreamCancelsItsGenerationAndFreesTheSlot() throws IOException, InterruptedException {
        double before = http.metric("chorus_client_disconnects_total{model=\"solo\"}");
        double cancelledBefore = http.metric(CANCELLED);
        try (RawHttp stream = new RawHttp(server)) {
            stream.postJson(CHAT, LONG_STREAM);
            assertEquals("HTTP/1.1 200 OK", stream.statusLine());
            stream.lineStartingWith("data: {");
            stream.lineStartingWith("data: {");
        }
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        while (http.metric("chorus_client_disconnects_total{model=\"solo\"}") == before
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(before + 1, http.metric("chorus_client_disconnects_total{model=\"solo\"}"),
                "the server saw the client leave before the 240 tokens were written");
        assertAdmittedAgain();
        assertEquals(cancelledBefore + 1, http.metric(CANCELLED), "the engine ended the generation as cancelled");
        assertEquals(0, http.metric("chorus_active_sequences"));
    }

    /**
     * A whole (non-streamed) answer of 2,000 tokens takes seconds; its client closing the connection after 100 ms is
     * noticed while generating ({@link ClientConnection}), so the slot is free long before the answer would end.
     */
    @Test
    void aClientLeavingBeforeAWholeAnswerCancelsItAtOnce() throws IOException, InterruptedException {
        double disconnects = http.metric("chorus_client_disconnects_total{model=\"roomy\"}");
        double cancelled = http.metric(CANCELLED.replace("solo", "roomy"));
        try (RawHttp whole = new RawHttp(server)) {
            whole.postJson(CHAT, ROOMY_WHOLE);
            Thread.sleep(100);
        }
        long closed = System.nanoTime();
        while (http.metric("chorus_model_busy_slots{model=\"roomy\"}") != 0
                && System.nanoTime() - closed < SETTLE_MILLIS * 1_000_000) {
            Thread.sleep(5);
        }
        double freedAfter = (System.nanoTime() - closed) / 1e9;
        assertEquals(0, http.metric("chorus_model_busy_slots{model=\"roomy\"}"), "the slot is free");
        assertEquals(cancelled + 1, http.metric(CANCELLED.replace("solo", "roomy")), "cancelled, not run to its end");
        assertEquals(disconnects + 1, http.metric("chorus_client_disconnects_total{model=\"roomy\"}"));
        assertTrue(freedAfter < 1.5, "freed " + freedAfter + " s after the client left");
    }

    /** Each exchange counts under its own model, however requests to several models overlap. */
    @Test
    void overlappingRequestsAreCountedUnderTheirOwnModels() throws IOException, InterruptedException {
        String roomy = "chorus_requests_total{endpoint=\"/v1/chat/completions\",model=\"roomy\",status=\"200\"}";
        String solo = roomy.replace("roomy", "solo");
        double roomyBefore = http.metric(roomy);
        double soloBefore = http.metric(solo);
        try (RawHttp stream = new RawHttp(server)) {
            stream.postJson(CHAT, ROOMY_WHOLE.replace("\"max_tokens\": 2000", "\"max_tokens\": 40, \"stream\": true"));
            assertEquals("HTTP/1.1 200 OK", stream.statusLine());
            stream.lineStartingWith("data: {");
            assertEquals(200, http.post(CHAT, SHORT).statusCode(), "a request to 'solo' while 'roomy' streams");
            stream.lineStartingWith("data: [DONE]");
        }
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        while (http.metric(roomy) == roomyBefore && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(roomyBefore + 1, http.metric(roomy), "the stream counted under 'roomy'");
        assertEquals(soloBefore + 1, http.metric(solo), "the short request counted under 'solo'");
    }

    /** The one slot is free again: a new request is admitted (while the engine frees it, 429 may still come). */
    private static void assertAdmittedAgain() throws InterruptedException {
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        HttpResponse<String> response;
        while ((response = http.post(CHAT, SHORT)).statusCode() == 429 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(200, response.statusCode(), response.body());
    }
}
