package dev.chorus.engine;

import dev.chorus.engine.config.EngineConfig;
import dev.chorus.llama.Llama;
import dev.chorus.natives.LlamaBuild;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import dev.chorus.testkit.RpcServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A fused ensemble whose two members run on two {@code rpc-server}s on 127.0.0.1 (one each, started here): the same
 * greedy tokens as the ensemble run locally; and killing one server mid-stream ends that request with
 * {@link FinishReason#UNAVAILABLE} within seconds while the engine keeps serving the other collaborations.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RpcEnsembleTest {
    private static final int[] PROMPT = {1, 450, 4996, 17354, 1701, 29916, 432, 17204};
    private static final int LONG = 200;
    private static RpcServerProcess first;
    private static RpcServerProcess second;
    private static Engine engine;

    @BeforeAll
    static void start() {
        assumeTrue(RpcServerProcess.binary().isPresent(), RpcServerProcess.missingReason());
        assumeTrue(Llama.init().buildKind() != LlamaBuild.Kind.BUNDLED, "the npm prebuilt llama.cpp (no RPC) is loaded");
        Path a = FixtureModels.cached(FixtureModel.DEFAULT.withName("fixture-a").withSeed(11));
        Path b = FixtureModels.cached(FixtureModel.DEFAULT.withName("fixture-b").withSeed(22));
        first = RpcServerProcess.start();
        second = RpcServerProcess.start();
        engine = Engine.start(EngineConfig.parse("""
                models:
                  a:        { path: %1$s, threads: 1, context: 256, slots: 2 }
                  b:        { path: %2$s, threads: 1, context: 256, slots: 2 }
                  a_remote: { path: %1$s, threads: 1, context: 256, slots: 2, rpc: [%3$s] }
                  b_remote: { path: %2$s, threads: 1, context: 256, slots: 2, rpc: [%4$s] }
                collaborations:
                  pool:        { kind: ensemble, method: linear, members: [ {model: a, weight: 0.5}, {model: b, weight: 0.5} ] }
                  pool_remote: { kind: ensemble, method: linear, members: [ {model: a_remote, weight: 0.5}, {model: b_remote, weight: 0.5} ] }
                scheduler: { fusion_backend: java }
                """.formatted(a, b, first.endpoint(), second.endpoint()), a.resolveSibling("rpc-fixture.yaml")));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        for (RpcServerProcess server : new RpcServerProcess[] {first, second}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    @Order(1)
    void membersOnTwoRpcServersFuseToTheLocalTokens() throws InterruptedException {
        Completion local = generate("pool", 24);
        Completion remote = generate("pool_remote", 24);
        assertEquals(local.tokens(), remote.tokens());
        assertEquals(local.reason(), remote.reason());
        assertEquals(Optional.empty(), remote.error());
    }

    @Test
    @Order(2)
    void killingOneServerMidStreamFailsThatRequestAndNothingElse() throws InterruptedException {
        Completion whole = generate("pool", LONG);
        assertEquals(FinishReason.LENGTH, whole.reason(), "the request must run long enough to be cut");

        Generation stream = engine.submit("pool_remote", GenerationRequest.of(Prompt.tokens(PROMPT), LONG));
        assertTrue(stream.nextEvent(Duration.ofSeconds(30)).orElseThrow() instanceof GenerationEvent.Token,
                "the stream started");
        second.kill();
        Completion cut = assertTimeoutPreemptively(Duration.ofSeconds(20), stream::await);

        assertEquals(FinishReason.UNAVAILABLE, cut.reason(), () -> "ended " + cut.reason() + " " + cut.error());
        assertTrue(cut.tokens().size() < LONG, "cut mid-stream after " + cut.tokens().size() + " tokens");
        assertTrue(cut.error().orElseThrow().contains("rpc-server " + second.endpoint() + " was lost"), cut.error().get());
        assertTrue(engine.unavailableModels().containsKey("b_remote"), engine.unavailableModels().toString());
        // A new request to the broken ensemble fails at once; the local ensemble serves as before.
        assertEquals(FinishReason.UNAVAILABLE, assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> generate("pool_remote", 8)).reason());
        assertEquals(whole.tokens(), generate("pool", LONG).tokens());
    }

    private static Completion generate(String collaboration, int tokens) throws InterruptedException {
        return engine.submit(collaboration, GenerationRequest.of(Prompt.tokens(PROMPT), tokens)).await();
    }
}
