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
 * Gated fusion's skipped-fusion share over HTTP on the real experts: {@code chorus.gate} on every choice of a gated
 * ensemble (whole answers and the closing chunk of a stream, next to a trace), absent elsewhere, and the
 * collaboration's counters in {@code /metrics}.
 */
@Timeout(120)
class GateApiTest {
    private static final String CHAT = "/v1/chat/completions";
    private static ServedEngine served;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: 128, slots: 2 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 128, slots: 2 }
                collaborations:
                  experts: { kind: ensemble, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                  gated:   { kind: ensemble, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ],
                             gate: { lead: kjv, threshold: 0.5 } }
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
    void everyChoiceOfAGatedEnsembleReportsItsSkippedShare() {
        long lead = 0;
        long tokens = 0;
        for (String text : List.of("And God said", "def main():", "The LORD is my shepherd")) {
            ObjectNode body = request("gated", text).put("n", 2);
            JsonNode answer = HttpProbe.json(http.post(CHAT, body.toString()).body());
            for (JsonNode choice : answer.get("choices")) {
                JsonNode gate = choice.get("chorus").get("gate");
                long choiceTokens = gate.get("tokens").asLong();
                long choiceLead = gate.get("lead_tokens").asLong();
                assertTrue(choiceTokens >= 1 && choiceLead <= choiceTokens, gate::toString);
                assertEquals((double) choiceLead / choiceTokens, gate.get("skipped_share").asDouble(), 1e-12);
                lead += choiceLead;
                tokens += choiceTokens;
            }
        }
        assertTrue(lead > 0 && lead < tokens, lead + " of " + tokens);
        assertEquals(tokens, http.metric("chorus_gate_tokens_total{collaboration=\"gated\"}"));
        assertEquals(lead, http.metric("chorus_gate_lead_tokens_total{collaboration=\"gated\"}"));
        assertEquals((double) lead / tokens, http.metric("chorus_gate_skipped_share{collaboration=\"gated\"}"), 1e-6);
        assertEquals(0, http.metric("chorus_gate_tokens_total{collaboration=\"experts\"}"));

        JsonNode plain = HttpProbe.json(http.post(CHAT, request("experts", "And God said").toString()).body());
        assertFalse(plain.get("choices").get(0).has("chorus"), "no gate, no extension");
    }

    @Test
    void aStreamEndsWithTheGateNextToATrace() {
        ObjectNode body = request("gated", "And God said").put("stream", true);
        body.putObject("chorus").put("trace", 2);
        try (Stream<String> lines = http.sendLines(http.request(CHAT)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))).body()) {
            List<JsonNode> choices = lines.filter(line -> line.startsWith("data: {"))
                    .map(line -> HttpProbe.json(line.substring("data: ".length())).get("choices").get(0)).toList();
            JsonNode closing = choices.getLast();
            assertTrue(closing.get("finish_reason").isTextual(), closing::toString);
            List<JsonNode> traced = choices.stream().filter(choice -> choice.has("chorus")
                    && choice.get("chorus").has("trace")).toList();
            // The end-of-text token is decided too, and never sent.
            int endOfText = closing.get("finish_reason").asText().equals("stop") ? 1 : 0;
            assertEquals(traced.size() + endOfText, closing.get("chorus").get("gate").get("tokens").asInt(),
                    closing::toString);
            assertTrue(traced.stream().noneMatch(choice -> choice.get("chorus").has("gate")), "the gate comes at the end");
        }
    }

    private static ObjectNode request(String model, String text) {
        ObjectNode body = Json.object().put("model", model).put("max_tokens", 24).put("temperature", 0)
                .put("cache_prompt", false);
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return body;
    }
}
