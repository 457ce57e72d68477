package dev.chorus.engine.orchestration;

import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.Prompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A remote member that is down: a clear error naming it, or its configured fallback answers. */
class RemoteFallbackTest {
    private static final GenerationRequest REQUEST = GenerationRequest.of(Prompt.text("In the beginning"), 6).withCachePrompt(false);
    private static Engine engine;
    private static int closedPort;

    @BeforeAll
    static void start(@TempDir Path folder) {
        closedPort = closedPort();
        engine = OrchestrationEngines.start(folder, """
                remotes:
                  gone:   { base_url: "http://127.0.0.1:%d/v1", model: kjv, retries: 2, backoff_ms: 10, connect_timeout_ms: 500 }
                  rescued: { base_url: "http://127.0.0.1:%d/v1", model: kjv, retries: 0, fallback: kjv }
                collaborations:
                  only-gone:    { kind: router, members: [gone], default: gone }
                  only-rescued: { kind: router, members: [rescued], default: rescued }
                  gone-first:   { kind: cascade, members: [gone, pydocs], threshold: -.inf }
                """.formatted(closedPort, closedPort));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aRemoteThatIsDownEndsWithAnErrorNamingItsUrlAndAttempts() throws InterruptedException {
        Generation generation = engine.submit("only-gone", REQUEST);
        Completion completion = generation.await();
        assertEquals(FinishReason.ERROR, completion.reason());
        String error = completion.error().orElseThrow();
        assertTrue(error.contains("remote 'gone' at http://127.0.0.1:" + closedPort + "/v1 failed after 3 attempts")
                && error.contains("unreachable"), error);
        assertEquals(List.of("gone"), generation.memberReports().stream().map(MemberReport::member).toList());
    }

    @Test
    void aRemoteWithAFallbackThatIsDownIsAnsweredByTheFallback() throws InterruptedException {
        OrchestrationEngines.Finished answer = OrchestrationEngines.run(engine, "only-rescued", REQUEST);
        assertEquals(engine.submit("kjv", REQUEST).await().tokens(), answer.completion().tokens());
        List<MemberReport> reports = answer.reports();
        assertEquals(List.of("rescued", "rescued/rescued", "rescued/kjv"),
                reports.stream().map(MemberReport::member).toList());
        assertEquals(List.of("routed", "remote", "fallback"), reports.stream().map(MemberReport::role).toList());
        assertEquals(List.of(true, false, true), reports.stream().map(MemberReport::answered).toList());
    }

    @Test
    void aCascadeEscalatesPastAFailedMember() throws InterruptedException {
        OrchestrationEngines.Finished answer = OrchestrationEngines.run(engine, "gone-first", REQUEST);
        assertEquals(engine.submit("pydocs", REQUEST).await().tokens(), answer.completion().tokens());
    }

    /** A loopback port nothing listens on (bound, then closed). */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
