package dev.chorus.engine;

import dev.chorus.engine.config.EngineConfig;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Fused decoding on random-weight fixture models with the real vocabulary: runs wherever the build does, without the
 * shared models.
 */
class FixtureFusionTest {
    private static final int TOKENS = 16;
    private static final int[] PROMPT = {1, 450, 4996, 17354, 1701, 29916, 432, 17204};
    private static Path first;
    private static Path second;
    private static Engine engine;

    @BeforeAll
    static void start() {
        first = FixtureModels.cached(FixtureModel.DEFAULT.withName("fixture-a").withSeed(11));
        second = FixtureModels.cached(FixtureModel.DEFAULT.withName("fixture-b").withSeed(22));
        engine = Engine.start(EngineConfig.parse("""
                models:
                  a: { path: %s, threads: 1, context: 64, slots: 2 }
                  b: { path: %s, threads: 1, context: 64, slots: 2 }
                collaborations:
                  solo: { kind: ensemble, members: [ {model: a, weight: 1} ] }
                  pool: { kind: ensemble, method: product_of_experts, members: [ {model: a, weight: 0.5}, {model: b, weight: 0.5} ] }
                scheduler: { fusion_backend: java }
                """.formatted(first, second), first.resolveSibling("fixture.yaml")));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aOneMemberEnsembleIsTheModelAlone() throws InterruptedException {
        List<Integer> alone = generate("a");
        assertEquals(TOKENS, alone.size());
        assertEquals(alone, generate("solo"));
        assertEquals(alone, ReferenceDecoding.greedy(List.of(first), FusionRule.of(FusionMethod.LINEAR, 1f),
                PROMPT, TOKENS));
    }

    @Test
    void aProductOfExpertsIsTheReferenceOverSeparatelyDecodedMembers() throws InterruptedException {
        List<Integer> fused = generate("pool");
        assertEquals(ReferenceDecoding.greedy(List.of(first, second), FusionRule.of(FusionMethod.LOG_LINEAR, 0.5f, 0.5f),
                PROMPT, TOKENS), fused);
        assertNotEquals(generate("a"), fused, "the second member changes the outcome");
        assertNotEquals(generate("b"), fused, "the first member changes the outcome");
    }

    private static List<Integer> generate(String collaboration) throws InterruptedException {
        return engine.submit(collaboration, GenerationRequest.of(Prompt.tokens(PROMPT), TOKENS)).await().tokens();
    }
}
