package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Orchestrations over HTTP, with a remote member that is a second Chorus server on loopback: the answer names the
 * member(s) that produced it, and {@code /metrics} counts routes and escalations.
 */
class OrchestrationServingTest {
    private static final String MODELS = """
            models:
              base:   { path: "{BASE}", threads: 1, context: 256, slots: 2 }
              kjv:    { path: "{KJV}", threads: 1, context: 256, slots: 2 }
              pydocs: { path: "{PYDOCS}", threads: 1, context: 256, slots: 2 }
            scheduler: { fusion_backend: java }
            """;
    private static ServedEngine remote;
    private static ServedEngine local;
    private static HttpProbe remoteHttp;
    private static HttpProbe localHttp;

    @BeforeAll
    static void start(@TempDir Path folder) throws Exception {
        Path remoteFolder = Files.createDirectory(folder.resolve("remote"));
        Path localFolder = Files.createDirectory(folder.resolve("local"));
        remote = ServedEngine.start(remoteFolder, MODELS, ServedEngine.loopback());
        remoteHttp = new HttpProbe(remote.server());
        local = ServedEngine.start(localFolder, MODELS + """
                remotes:
                  far: { base_url: "http://127.0.0.1:%d/v1", model: kjv, retries: 1, backoff_ms: 10 }
                collaborations:
                  via-far:  { kind: router, members: [far, pydocs], default: far, rules: [ {member: pydocs, keywords: [python]} ] }
                  escalate: { kind: cascade, members: [base, far], threshold: .inf }
                """.formatted(remote.server().port()), ServedEngine.loopback());
        localHttp = new HttpProbe(local.server());
    }

    @AfterAll
    static void stop() {
        for (ServedEngine served : new ServedEngine[] {local, remote}) {
            if (served != null) {
                served.close();
            }
        }
    }

    @Test
    void aRemoteMemberAnswersWhatTheSecondServerAnswersAndTheAnswerNamesIt() {
        String chat = """
                {"model": "%s", "messages": [{"role": "user", "content": "And God said"}], "max_tokens": 8,
                 "temperature": 0}""";
        JsonNode direct = ok(remoteHttp.post("/v1/chat/completions", chat.formatted("kjv")));
        JsonNode routed = ok(localHttp.post("/v1/chat/completions", chat.formatted("via-far")));
        JsonNode choice = routed.get("choices").get(0);
        assertEquals(direct.get("choices").get(0).get("message").get("content").asText(),
                choice.get("message").get("content").asText());
        assertEquals(List.of("far"), texts(choice.get("chorus").get("answered_by")));
        JsonNode member = choice.get("chorus").get("members").get(0);
        assertEquals("routed", member.get("role").asText());
        assertTrue(member.get("mean_logprob").asDouble() < 0, member.toString());
        assertEquals(direct.get("usage").get("completion_tokens").asInt(), member.get("completion_tokens").asInt());

        String text = """
                {"model": "%s", "prompt": "In the beginning", "max_tokens": 8, "temperature": 0}""";
        assertEquals(ok(remoteHttp.post("/v1/completions", text.formatted("kjv"))).get("choices").get(0).get("text"),
                ok(localHttp.post("/v1/completions", text.formatted("via-far"))).get("choices").get(0).get("text"));
    }

    @Test
    void aCascadeNamesEveryCallAndMetricsCountItsEscalations() {
        double escalations = localHttp.metric("chorus_escalations_total{model=\"escalate\",member=\"base\"}");
        double routes = localHttp.metric("chorus_routes_total{model=\"via-far\",member=\"pydocs\"}");
        JsonNode answer = ok(localHttp.post("/v1/chat/completions", """
                {"model": "escalate", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 4}"""));
        JsonNode chorus = answer.get("choices").get(0).get("chorus");
        assertEquals(List.of("far"), texts(chorus.get("answered_by")));
        List<String> members = new ArrayList<>();
        chorus.get("members").forEach(member -> members.add(member.get("member").asText() + ":"
                + member.get("answered").asBoolean()));
        assertEquals(List.of("base:false", "far:true"), members);
        ok(localHttp.post("/v1/completions", """
                {"model": "via-far", "prompt": "import python modules", "max_tokens": 2}"""));
        assertEquals(escalations + 1, localHttp.metric("chorus_escalations_total{model=\"escalate\",member=\"base\"}"));
        assertEquals(routes + 1, localHttp.metric("chorus_routes_total{model=\"via-far\",member=\"pydocs\"}"));
    }

    @Test
    void aStreamedOrchestratedChoiceCarriesTheReportInItsClosingChunk() {
        HttpResponse<String> response = localHttp.post("/v1/chat/completions", """
                {"model": "via-far", "messages": [{"role": "user", "content": "Explain python lists"}],
                 "max_tokens": 4, "stream": true}""");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode closing = null;
        for (String line : response.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode chunk = HttpProbe.json(line.substring(6));
                JsonNode choices = chunk.get("choices");
                if (!choices.isEmpty() && !choices.get(0).get("finish_reason").isNull()) {
                    closing = choices.get(0);
                }
            }
        }
        assertTrue(closing != null && closing.has("chorus"), response.body());
        assertEquals(List.of("pydocs"), texts(closing.get("chorus").get("answered_by")));
    }

    @Test
    void theModelsListShowsOrchestrationsWithTheirMembers() {
        JsonNode models = ok(localHttp.get("/v1/models"));
        JsonNode cascade = null;
        for (JsonNode model : models.get("data")) {
            if (model.get("id").asText().equals("escalate")) {
                cascade = model.get("chorus");
            }
        }
        assertTrue(cascade != null, models.toString());
        assertEquals("cascade", cascade.get("kind").asText());
        assertEquals(List.of("base", "far"), texts(cascade.get("members")));
        assertFalse(cascade.has("weights"));
    }

    private static JsonNode ok(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return HttpProbe.json(response.body());
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }
}
