package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chorus.natives.LlamaBuild;
import dev.chorus.natives.LlamaLibraries;
import dev.chorus.testkit.RpcServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The two experts fused over HTTP with each on its own {@code rpc-server} on 127.0.0.1: the same text as the local
 * ensemble; then one server is killed mid-stream, and the client gets a 503-class error event (not a hang), health
 * turns degraded naming the model, and the other collaborations keep answering.
 */
class RpcServingTest {
    private static final String PROMPT = "And God said";
    private static final int TOKENS = 300;

    @TempDir
    Path folder;

    @Test
    void aServerLostMidStreamIsAnErrorEventAndTheRestServes() throws Exception {
        assumeTrue(RpcServerProcess.binary().isPresent(), RpcServerProcess.missingReason());
        assumeTrue(LlamaLibraries.locate().kind() != LlamaBuild.Kind.BUNDLED, "the npm prebuilt llama.cpp (no RPC) is loaded");
        try (RpcServerProcess first = RpcServerProcess.start(); RpcServerProcess second = RpcServerProcess.start();
                ServedEngine served = ServedEngine.start(folder, """
                        models:
                          kjv:        { path: {KJV}, threads: 1, context: 512, slots: 2 }
                          pydocs:     { path: {PYDOCS}, threads: 1, context: 512, slots: 2 }
                          kjv_far:    { path: {KJV}, threads: 1, context: 512, slots: 2, rpc: [ FIRST ] }
                          pydocs_far: { path: {PYDOCS}, threads: 1, context: 512, slots: 2, rpc: [ SECOND ] }
                        collaborations:
                          near: { kind: ensemble, members: [ {model: kjv}, {model: pydocs} ] }
                          far:  { kind: ensemble, members: [ {model: kjv_far}, {model: pydocs_far} ] }
                        """.replace("FIRST", first.endpoint()).replace("SECOND", second.endpoint()),
                        ServedEngine.loopback())) {
            HttpProbe http = new HttpProbe(served.server());
            assertEquals(200, http.get("/health").statusCode());
            JsonNode near = HttpProbe.json(http.post("/v1/completions", body("near", false)).body());
            assertEquals("length", near.at("/choices/0/finish_reason").asText(), "the stream must run long enough to be cut");
            JsonNode far = HttpProbe.json(http.post("/v1/completions", body("far", false)).body());
            assertEquals(near.at("/choices/0/text").asText(), far.at("/choices/0/text").asText());

            List<String> events = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> streamKilling(http, second));
            String last = events.getLast();
            assertTrue(last.contains("\"code\":\"model_unavailable\"") && last.contains(second.endpoint()), last);
            assertTrue(events.size() > 1 && events.size() < TOKENS, "cut mid-stream after " + events.size() + " events");

            HttpResponse<String> health = http.get("/health");
            assertEquals(503, health.statusCode(), health.body());
            assertEquals("degraded", HttpProbe.json(health.body()).get("status").asText());
            assertTrue(HttpProbe.json(health.body()).at("/unavailable_models/pydocs_far").asText().contains("was lost"),
                    health.body());
            HttpProbe.assertError(http.post("/v1/completions", body("far", false)), 503, null, "model_unavailable");
            assertEquals(near.at("/choices/0/text").asText(),
                    HttpProbe.json(http.post("/v1/completions", body("near", false)).body()).at("/choices/0/text").asText());
        }
    }

    /** Streams {@code far}, kills {@code server} once the first token arrived, and returns the data events. */
    private static List<String> streamKilling(HttpProbe http, RpcServerProcess server) {
        HttpResponse<Stream<String>> response = http.sendLines(http.request("/v1/completions")
                .POST(HttpRequest.BodyPublishers.ofString(body("far", true))));
        assertEquals(200, response.statusCode());
        List<String> events = new ArrayList<>();
        Iterator<String> lines = response.body().iterator();
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("data: ")) {
                events.add(line.substring(6));
                if (events.size() == 1) {
                    server.kill();
                }
            }
        }
        return events;
    }

    private static String body(String model, boolean stream) {
        return "{\"model\": \"" + model + "\", \"prompt\": \"" + PROMPT + "\", \"max_tokens\": " + TOKENS
                + ", \"temperature\": 0, \"stream\": " + stream + "}";
    }
}
