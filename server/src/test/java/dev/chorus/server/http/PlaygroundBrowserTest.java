package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The playground at {@code /} in a real headless Chromium against a real engine behind an API key: the page asks for
 * the key and keeps it in session storage only, chats with the demo ensemble, streams the answer and draws one
 * chorus-view row per token whose fused and member probabilities are the API's trace of the same seeded request;
 * then compare mode, the models page and the eval page. Screenshots go to {@code target/playground/} (the README's
 * image comes from {@code scripts/playground-screenshot.sh}, which runs this test). Skips, naming what is missing,
 * only without Chromium and chromedriver (or without the real models).
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlaygroundBrowserTest {
    private static final String KEY = "sk-playground-test";
    private static final String PROMPT = "And God said";
    private static final Path SCREENSHOTS = Path.of(System.getProperty("chorus.playground.screenshots",
            "target/playground"));
    private static ServedEngine served;
    private static Chromium browser;
    private static String page;

    @BeforeAll
    static void start(@TempDir Path folder) throws IOException {
        Optional<String> missing = Chromium.missing();
        Assumptions.assumeTrue(missing.isEmpty(), () -> "no browser to drive the playground: " + missing.orElseThrow());
        Path results = folder.resolve("eval.json");
        // The shape `chorus eval --json` writes (EvalCommand); the eval page only displays it.
        Files.writeString(results, """
                {"config": "chorus.yaml", "input": "heldout-kjv.i32", "window": 128, "windows": 4, "results": [
                  {"name": "kjv", "kind": "single", "tokens": 508, "zero_probability_tokens": 0, "coverage": 1.0,
                   "seconds": 0.9, "fusion": "JAVA", "mean_nll": 2.71, "perplexity": 15.0,
                   "covered_perplexity": 15.0, "tokens_per_second": 564.4},
                  {"name": "experts", "kind": "ensemble", "tokens": 508, "zero_probability_tokens": 0,
                   "coverage": 1.0, "seconds": 1.6, "fusion": "JAVA", "mean_nll": 2.69, "perplexity": 14.7,
                   "covered_perplexity": 14.7, "tokens_per_second": 317.5}]}
                """);
        served = ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: 256, slots: 2 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 256, slots: 2 }
                collaborations:
                  experts: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                scheduler: { max_queued: 8, prefill_chunk: 64 }
                """, ServedEngine.loopback().withApiKey(KEY).withEvalResults(results));
        page = "http://127.0.0.1:" + served.server().port() + "/";
        browser = Chromium.start(1400, 1000);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (served != null) {
            served.close();
        }
    }

    @Test
    @Order(1)
    void asksForTheKeyAndKeepsItInSessionStorageOnly() {
        browser.open(page);
        browser.waitUntil("document.querySelector('#key-dialog').open");
        browser.screenshot(SCREENSHOTS.resolve("key.png"));
        browser.type("#key-input", KEY);
        browser.click("#key-save");
        browser.waitUntil("document.querySelector('#model option[value=\"experts\"]')");
        assertEquals(KEY, browser.script("return sessionStorage.getItem('chorus.apiKey');").asText());
        assertEquals(0, browser.script("return localStorage.length;").asInt());
        assertTrue(browser.script("return document.cookie;").asText().isEmpty());
    }

    @Test
    @Order(2)
    void chatsWithTheEnsembleAndShowsTheApisTraceTokenByToken() {
        browser.click("#model option[value=\"kjv\"]");
        browser.waitUntil("document.querySelector('#fusion').hidden");
        browser.click("#model option[value=\"experts\"]");
        browser.waitUntil("!document.querySelector('#fusion').hidden");
        assertEquals(2, browser.count(".fusion-weight"), "one weight per member of the ensemble");
        browser.type("#temperature", "0.9");
        browser.type("#seed", "11");
        browser.type("#max-tokens", "16");
        browser.type("#trace-k", "3");
        browser.type("#prompt", PROMPT);
        browser.click("#send");
        browser.waitUntil("document.querySelector('#messages .message.assistant[data-done=\"true\"]')");
        String text = browser.script("return document.querySelector('#messages .message.assistant .text')"
                + ".textContent;").asText();
        JsonNode rows = browser.script("""
                return [...document.querySelectorAll('#trace-table tbody tr')].map(row => ({
                  token: Number(row.dataset.token),
                  fused: Number(row.querySelector('.fused-p').dataset.logprob),
                  members: [...row.querySelectorAll('.member-p')].map(cell => ({
                    model: cell.dataset.model, logprob: Number(cell.dataset.logprob)})),
                  winner: row.querySelector('.winner').textContent}));""");
        assertEquals(rows.size(), browser.count("#tokens .tok"), "one coloured token per row");

        // The same request through the API: the page's was the engine's first, so nothing was cached for either.
        ObjectNode body = Json.object().put("model", "experts").put("temperature", 0.9).put("top_p", 1)
                .put("top_k", 0).put("max_tokens", 16).put("seed", 11).put("cache_prompt", false);
        body.putArray("messages").addObject().put("role", "user").put("content", PROMPT);
        body.putObject("chorus").put("trace", 3);
        JsonNode answer = HttpProbe.json(new HttpProbe(served.server(), Optional.of(KEY)).post("/v1/chat/completions",
                body.toString()).body()).get("choices").get(0);
        assertEquals(answer.get("message").get("content").asText(), text, "the streamed text is the API's");
        JsonNode trace = answer.get("chorus").get("trace");
        assertFalse(trace.isEmpty());
        assertEquals(trace.size(), rows.size(), "one chorus-view row per token");
        // The page shows the values it streamed; the second run of the request may differ from them in the last bit
        // of a float (the step's batch and slot can differ), hence a float's precision rather than equality.
        double tolerance = 1e-5;
        for (int i = 0; i < trace.size(); i++) {
            JsonNode step = trace.get(i);
            JsonNode row = rows.get(i);
            assertEquals(step.get("token").asInt(), row.get("token").asInt(), "token " + i);
            assertEquals(step.get("logprob").asDouble(), row.get("fused").asDouble(), tolerance, "fused p of token " + i);
            int winner = 0;
            for (int m = 0; m < 2; m++) {
                JsonNode member = step.get("members").get(m);
                assertEquals(member.get("model").asText(), row.get("members").get(m).get("model").asText());
                assertEquals(member.get("logprob").asDouble(), row.get("members").get(m).get("logprob").asDouble(),
                        tolerance, "member " + m + " p of token " + i);
                if (member.get("logprob").asDouble() > step.get("members").get(winner).get("logprob").asDouble()) {
                    winner = m;
                }
            }
            assertEquals(step.get("members").get(winner).get("model").asText(), row.get("winner").asText());
        }

        browser.hover("#tokens .tok[data-step=\"1\"]");
        browser.waitUntil("document.querySelectorAll('#detail .dist').length === 3");
        assertEquals(3 * 3, browser.count("#detail .bar"), "the fused top 3 and each member's");
        browser.screenshot(SCREENSHOTS.resolve("chat.png"));
    }

    @Test
    @Order(3)
    void comparesModelsInColumnsWithTimeToFirstTokenAndRate() {
        browser.click("nav button[data-tab=\"compare\"]");
        browser.click("#compare-models input[value=\"kjv\"]");
        browser.click("#compare-models input[value=\"experts\"]");
        browser.type("#compare-prompt", "In the beginning");
        browser.click("#compare-run");
        browser.waitUntil("document.querySelectorAll('#compare-columns .column[data-done]').length === 2");
        JsonNode columns = browser.script("""
                return [...document.querySelectorAll('#compare-columns .column')].map(column => ({
                  model: column.dataset.model, done: column.dataset.done, tokens: Number(column.dataset.tokens),
                  ttft: Number(column.dataset.ttftMs), rate: Number(column.dataset.tokensPerSecond),
                  text: column.querySelector('.answer').textContent}));""");
        for (JsonNode column : columns) {
            assertEquals("true", column.get("done").asText(), column::toString);
            assertTrue(column.get("tokens").asInt() > 1 && column.get("ttft").asDouble() > 0
                    && column.get("rate").asDouble() > 0 && !column.get("text").asText().isEmpty(), column::toString);
        }
        browser.screenshot(SCREENSHOTS.resolve("compare.png"));
    }

    @Test
    @Order(4)
    void listsTheModelsAndTheLatestEvalResults() {
        browser.click("nav button[data-tab=\"models\"]");
        assertEquals(3, browser.count("#models-table tbody tr"));
        assertEquals("kjv, pydocs", browser.script("return document.querySelector("
                + "'#models-table tr[data-model=\"experts\"] td:nth-child(4)').textContent;").asText());
        browser.screenshot(SCREENSHOTS.resolve("models.png"));
        browser.click("nav button[data-tab=\"eval\"]");
        browser.element("#eval-table tr[data-name=\"experts\"]");
        assertEquals("14.700", browser.script("return document.querySelector("
                + "'#eval-table tr[data-name=\"experts\"] td:nth-child(3)').textContent;").asText());
        browser.screenshot(SCREENSHOTS.resolve("eval.png"));
    }
}
