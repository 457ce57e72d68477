package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A speculative ensemble served over HTTP: the {@code chorus.speculation} summary of a whole answer and of a stream's
 * closing chunk, the {@code "chorus": {"speculative": false}} opt-out (same text, no summary), and the acceptance
 * gauges in {@code /metrics} (a non-boolean opt-out is a 400 in {@code RequestValidationTest}).
 */
@Timeout(120)
class SpeculationApiTest {
    private static final String CHAT = "/v1/chat/completions";
    private static ServedEngine served;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: 128, slots: 2 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 128, slots: 2 }
                  base:   { path: {BASE}, threads: 1, context: 128, slots: 2 }
                collaborations:
                  pair: { kind: ensemble, members: [ {model: kjv}, {model: pydocs} ], draft: base, draft_tokens: 4 }
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
    void aWholeAnswerCarriesItsSpeculationAndTheOptOutChangesNoToken() {
        JsonNode speculated = HttpProbe.json(http.post(CHAT, request(true).toString()).body()).get("choices").get(0);
        JsonNode summary = speculated.get("chorus").get("speculation");
        assertSummary(summary);

        JsonNode plain = HttpProbe.json(http.post(CHAT, request(false).toString()).body()).get("choices").get(0);
        assertFalse(plain.has("chorus"), plain::toString);
        assertEquals(plain.get("message").get("content"), speculated.get("message").get("content"));
    }

    @Test
    void aStreamsClosingChunkCarriesTheSpeculation() {
        ObjectNode body = request(true).put("stream", true);
        try (Stream<String> lines = http.sendLines(http.request(CHAT)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))).body()) {
            List<JsonNode> choices = lines.filter(line -> line.startsWith("data: {"))
                    .map(line -> HttpProbe.json(line.substring("data: ".length())).get("choices").get(0)).toList();
            JsonNode closing = choices.getLast();
            assertEquals("length", closing.get("finish_reason").asText(), closing::toString);
            assertSummary(closing.get("chorus").get("speculation"));
            assertTrue(choices.subList(0, choices.size() - 1).stream().noneMatch(choice -> choice.has("chorus")),
                    "only the closing chunk carries the summary");
        }
    }

    @Test
    void metricsShowTheAcceptance() {
        http.post(CHAT, request(true).toString());
        String metrics = http.get("/metrics").body();
        for (String gauge : List.of("chorus_speculation_acceptance_rate", "chorus_speculation_mean_accepted_length")) {
            String sample = metrics.lines().filter(line -> line.startsWith(gauge + "{collaboration=\"pair\"}"))
                    .findFirst().orElseThrow(() -> new AssertionError(gauge + " missing:\n" + metrics));
            assertTrue(Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1)) > 0, sample);
        }
    }

    /** A greedy chat request to the drafted ensemble, without or with the opt-out. */
    private static ObjectNode request(boolean speculative) {
        ObjectNode body = Json.object().put("model", "pair").put("max_tokens", 24).put("temperature", 0)
                .put("cache_prompt", false);
        body.putArray("messages").addObject().put("role", "user").put("content", "And God said");
        if (!speculative) {
            body.putObject("chorus").put("speculative", false);
        }
        return body;
    }

    /** Counts that add up: accepted at most proposed, the rate and mean length their ratios. */
    private static void assertSummary(JsonNode summary) {
        long verifications = summary.get("verifications").asLong();
        long proposed = summary.get("proposed_tokens").asLong();
        long accepted = summary.get("accepted_tokens").asLong();
        assertTrue(verifications > 0 && accepted <= proposed && proposed <= 4 * verifications, summary::toString);
        assertEquals((double) accepted / proposed, summary.get("acceptance_rate").asDouble(), 1e-12);
        assertEquals((double) accepted / verifications, summary.get("mean_accepted_length").asDouble(), 1e-12);
    }
}
