package dev.chorus.bench.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatStreamParserTest {
    private static final String ROLE = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}],\"usage\":null}";
    private static final String EMPTY_TEXT = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}";
    private static final String END = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},"
            + "\"finish_reason\":\"length\"}],\"usage\":null}";
    private static final String USAGE = "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
            + "\"completion_tokens\":4,\"total_tokens\":13}}";
    private static final String DONE = "data: [DONE]";

    private static String token(String text) {
        return "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text
                + "\"},\"finish_reason\":null}],\"usage\":null}";
    }

    /** Feeds {@code lines} at 10, 20, 30 … ns after a start at 0. */
    private static RequestOutcome parse(String... lines) {
        ChatStreamParser parser = new ChatStreamParser();
        long time = 0;
        for (String line : lines) {
            time += 10;
            parser.accept(line, time);
        }
        return parser.outcome("m", 0, time + 10);
    }

    @Test
    void aCompleteStreamCountsTextChunksAndTimesTheFirstOne() {
        RequestOutcome outcome = parse(ROLE, "", ": keep-alive", "", token("In"), "", EMPTY_TEXT, "", token(" the"),
                "", token(" be"), "", END, "", USAGE, "", DONE, "");
        assertEquals(RequestOutcome.Status.OK, outcome.status(), outcome.detail());
        assertEquals(50, outcome.firstTokenNanos());
        assertEquals(3, outcome.streamedTokens());
        assertEquals(4, outcome.completionTokens());
        assertEquals(190, outcome.durationNanos());
    }

    @Test
    void acceptSaysHowManyTokensALineCarried() {
        ChatStreamParser parser = new ChatStreamParser();
        assertEquals(0, parser.accept(ROLE, 1));
        assertEquals(1, parser.accept(token("x"), 2));
        assertEquals(0, parser.accept(EMPTY_TEXT, 3));
    }

    @Test
    void everyBrokenStreamFailsWithTheReason() {
        assertFails("without [DONE]", token("a"), END, USAGE);
        assertFails("no finish_reason", token("a"), USAGE, DONE);
        assertFails("usage.completion_tokens -1", token("a"), END, DONE);
        assertFails("no token was streamed", ROLE, END,
                USAGE.replace("\"completion_tokens\":4", "\"completion_tokens\":0"), DONE);
        assertFails("an error event", token("a"), "data: {\"error\":{\"message\":\"deadline\"}}");
        assertFails("not JSON", "data: {\"choices\": [");
        assertFails("not an SSE data line", "event: x");
        assertFails("after [DONE]", token("a"), END, USAGE, DONE, token("b"));
    }

    private static void assertFails(String reason, String... lines) {
        RequestOutcome outcome = parse(lines);
        assertEquals(RequestOutcome.Status.FAILED, outcome.status());
        assertTrue(outcome.detail().contains(reason), outcome.detail());
    }
}
