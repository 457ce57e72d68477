package dev.chorus.engine.eval;

import dev.chorus.engine.SharedModels;
import dev.chorus.testkit.RealModels;
import dev.chorus.engine.config.CollaborationKind;
import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.MemberSpec;
import dev.chorus.kernels.fusion.FusionMethod;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code chorus eval}'s evaluator on the shared F16 models reproduces the reference perplexities of
 * {@code ${chorus.shared.dir}/models/README.md} on all 32 windows of both held-out sets, and a pool with weights
 * 1/0 reproduces its single member exactly. Every model is decoded once per window for all seven collaborations.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferencePerplexityTest {
    /** The README's reference table: collaboration → (heldout-kjv, heldout-pydocs). */
    private static final Map<String, double[]> REFERENCE = Map.of(
            "base", new double[] {21.456, 20.456},
            "kjv", new double[] {20.170, 35.208},
            "pydocs", new double[] {26.715, 18.782},
            "experts", new double[] {20.896, 21.620},
            "experts-poe", new double[] {21.111, 21.813});
    private static final List<String> SETS = List.of("heldout-kjv.i32", "heldout-pydocs.i32");
    private static final double TOLERANCE = 0.002;

    private final List<Map<String, Perplexity>> results = new java.util.ArrayList<>();

    @BeforeAll
    void evaluateBothSets() throws IOException {
        RealModels models = SharedModels.f16();
        EngineConfig config = withOneHotPools(ThreeModelConfig.write(Files.createTempDirectory("chorus-eval"),
                models.path(SharedModels.BASE), models.path(SharedModels.KJV),
                models.path(SharedModels.PYDOCS), """
                  experts:
                    kind: ensemble
                    method: linear
                    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
                  experts-poe:
                    kind: ensemble
                    method: log_linear
                    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
                """));
        List<String> names = List.of("base", "kjv", "pydocs", "experts", "experts-poe", "kjv-only", "pydocs-only");
        long started = System.nanoTime();
        try (PerplexityEvaluator evaluator = PerplexityEvaluator.open(config, names, 512)) {
            for (String set : SETS) {
                TokenWindows windows = TokenWindows.readInt32(models.folder().resolve(set), 512);
                assertEquals(32, windows.count());
                results.add(evaluator.evaluate(windows, EvalProgress.NONE).stream()
                        .collect(Collectors.toMap(Perplexity::name, result -> result)));
            }
        }
        System.out.printf("ReferencePerplexityTest: 7 collaborations x 2 sets x 32 windows in %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        results.forEach(set -> set.values().forEach(result -> System.out.printf("  %s: %.4f%n", result.name(),
                result.perplexity())));
    }

    /** Adds pools whose weights 1/0 (linear) and 0/1 (log-linear) pick one expert: configs only allow weights > 0. */
    private static EngineConfig withOneHotPools(EngineConfig config) {
        Map<String, CollaborationSpec> collaborations = new LinkedHashMap<>(config.collaborations());
        collaborations.put("kjv-only", oneHot(config, "kjv-only", FusionMethod.LINEAR, 1f, 0f));
        collaborations.put("pydocs-only", oneHot(config, "pydocs-only", FusionMethod.LOG_LINEAR, 0f, 1f));
        return new EngineConfig(config.file(), config.models(), collaborations, config.scheduler());
    }

    private static CollaborationSpec oneHot(EngineConfig config, String name, FusionMethod method, float kjv,
                                            float pydocs) {
        CollaborationSpec experts = config.collaboration("experts");
        return new CollaborationSpec(name, CollaborationKind.ENSEMBLE, method, List.of(
                new MemberSpec("kjv", kjv, 1f, experts.location()),
                new MemberSpec("pydocs", pydocs, 1f, experts.location())), 0f, 1f, experts.location());
    }

    @Test
    void reproducesTheReferenceTableWithinTwoTenthsOfAPercent() {
        for (int s = 0; s < SETS.size(); s++) {
            String set = SETS.get(s);
            for (Map.Entry<String, double[]> reference : REFERENCE.entrySet()) {
                Perplexity result = results.get(s).get(reference.getKey());
                double expected = reference.getValue()[s];
                assertEquals(32 * 511, result.tokens());
                assertEquals(0, result.zeroProbabilityTokens());
                assertTrue(Math.abs(result.perplexity() / expected - 1) <= TOLERANCE, () -> reference.getKey()
                        + " on " + set + ": " + result.perplexity() + ", reference " + expected);
            }
        }
    }

    /** A pool with one non-zero weight (1) is its member's log-softmax bit for bit, linear and log-linear alike. */
    @Test
    void weightsOneAndZeroReproduceTheSingleModel() {
        for (Map<String, Perplexity> set : results) {
            assertEquals(set.get("kjv").finiteNllSum(), set.get("kjv-only").finiteNllSum());
            assertEquals(set.get("kjv").perplexity(), set.get("kjv-only").perplexity());
            assertEquals(set.get("pydocs").finiteNllSum(), set.get("pydocs-only").finiteNllSum());
            assertEquals(set.get("pydocs").perplexity(), set.get("pydocs-only").perplexity());
        }
    }

    @Test
    void theLinearPoolBeatsEitherExpertOnBothSetsTogether() {
        double pool = 1;
        double kjv = 1;
        double pydocs = 1;
        for (Map<String, Perplexity> set : results) {
            pool *= set.get("experts").perplexity();
            kjv *= set.get("kjv").perplexity();
            pydocs *= set.get("pydocs").perplexity();
        }
        assertTrue(pool < kjv && pool < pydocs, () -> "pool " + results);
    }
}
