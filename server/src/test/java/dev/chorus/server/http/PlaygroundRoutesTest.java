package dev.chorus.server.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The playground's routes over HTTP: the page and its assets without the key, nothing else from the class path, the
 * API still keyed, and {@code /chorus/eval} with and without a results file.
 */
@Timeout(60)
class PlaygroundRoutesTest {
    private static final String KEY = "sk-routes";
    private static ServedEngine served;
    private static Path results;
    private static HttpProbe anonymous;
    private static HttpProbe keyed;
    private static HttpProbe keyedWithResults;

    @BeforeAll
    static void start(@TempDir Path folder) {
        results = folder.resolve("results.json");
        ServerOptions options = ServedEngine.loopback().withApiKey(KEY);
        served = ServedEngine.start(folder, """
                models:
                  kjv: { path: {KJV}, threads: 1, context: 64, slots: 1 }
                """, options, options.withEvalResults(results));
        anonymous = new HttpProbe(served.server());
        keyed = new HttpProbe(served.server(), Optional.of(KEY));
        keyedWithResults = new HttpProbe(served.server(1), Optional.of(KEY));
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void thePageAndItsAssetsNeedNoKeyAndLoadNothingFromElsewhere() {
        HttpResponse<String> page = anonymous.get("/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
                page.headers().firstValue("Content-Security-Policy").orElseThrow());
        assertTrue(page.body().contains("src=\"/ui/app.js\""), page.body());
        Map<String, String> assets = Map.of("app.js", "text/javascript; charset=utf-8",
                "chorus-view.js", "text/javascript; charset=utf-8", "style.css", "text/css; charset=utf-8");
        assets.forEach((name, type) -> {
            HttpResponse<String> asset = anonymous.get("/ui/" + name);
            assertEquals(200, asset.statusCode(), name);
            assertEquals(type, asset.headers().firstValue("Content-Type").orElseThrow(), name);
            assertEquals("nosniff", asset.headers().firstValue("X-Content-Type-Options").orElseThrow(), name);
            assertTrue(!asset.body().contains("http://") && !asset.body().contains("https://"),
                    name + " names no other origin");
        });
    }

    @Test
    void onlyTheListedAssetsAreServed() {
        for (String path : new String[] {"/ui/index.html", "/ui/missing.js", "/ui/%2e%2e/Playground.class",
                "/ui/dev/chorus/server/web/app.js", "/nowhere"}) {
            HttpProbe.assertError(anonymous.get(path), 404, null, "not_found");
        }
        HttpProbe.assertError(anonymous.post("/", "{}"), 405, null, "method_not_allowed");
    }

    @Test
    void theApiBehindThePageStillNeedsTheKey() {
        assertEquals(401, anonymous.get("/v1/models").statusCode());
        assertEquals(401, anonymous.get("/chorus/eval").statusCode());
        assertEquals(200, keyed.get("/v1/models").statusCode());
    }

    @Test
    void evalResultsAreServedFromTheConfiguredFileAsItIsNow() throws IOException {
        HttpProbe.assertError(keyed.get("/chorus/eval"), 404, null, "not_found");
        Files.deleteIfExists(results);
        HttpProbe.assertError(keyedWithResults.get("/chorus/eval"), 404, null, "not_found");
        Files.writeString(results, "{\"window\": 128, \"results\": [{\"name\": \"kjv\", \"perplexity\": 15.2}]}");
        HttpResponse<String> served = keyedWithResults.get("/chorus/eval");
        assertEquals(200, served.statusCode());
        assertEquals(15.2, HttpProbe.json(served.body()).at("/results/0/perplexity").asDouble());
        Files.writeString(results, "{\"results\": [");
        HttpProbe.assertError(keyedWithResults.get("/chorus/eval"), 500, null, "eval_results_unreadable");
    }
}
