package dev.chorus.engine.eval;

import dev.chorus.engine.SharedModels;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.testkit.RealModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adaptive ensembles of the two real experts scored by {@code chorus eval}'s evaluator on a slice of each held-out
 * set (the first 4 windows, or {@code -Dchorus.adaptive.windows=32} for the full sets: too slow for CI). Checks the
 * guarantee of Bayesian model averaging (forgetting 1): per window its NLL is at most the best member's plus
 * {@code log 2}, the price of the uniform prior, so at most the oracle router's (best member per window) plus that; and that the adaptive pools beat the fixed 0.5/0.5 pool on both sets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdaptiveEvalTest {
    private static final int WINDOWS = Integer.getInteger("chorus.adaptive.windows", 4);
    private final List<Map<String, Perplexity>> sets = new ArrayList<>();

    @BeforeAll
    void evaluate() throws IOException {
        RealModels models = SharedModels.f16();
        EngineConfig config = ThreeModelConfig.write(Files.createTempDirectory("chorus-adaptive"),
                models.path(SharedModels.BASE), models.path(SharedModels.KJV), models.path(SharedModels.PYDOCS), """
                  experts:
                    kind: ensemble
                    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
                  experts-bma:
                    kind: ensemble
                    weights: online
                    forgetting: 1
                    members: [ { model: kjv }, { model: pydocs } ]
                  experts-online:
                    kind: ensemble
                    weights: online
                    members: [ { model: kjv }, { model: pydocs } ]
                  experts-packllm:
                    kind: ensemble
                    weights: perplexity
                    members: [ { model: kjv }, { model: pydocs } ]
                """);
        List<String> names = List.of("kjv", "pydocs", "experts", "experts-bma", "experts-online", "experts-packllm");
        try (PerplexityEvaluator evaluator = PerplexityEvaluator.open(config, names, 512)) {
            for (String set : List.of("heldout-kjv.i32", "heldout-pydocs.i32")) {
                TokenWindows all = TokenWindows.readInt32(models.folder().resolve(set), 512);
                TokenWindows slice = new TokenWindows(all.windows().subList(0, WINDOWS));
                List<Perplexity> results = new ArrayList<>(evaluator.evaluate(slice, EvalProgress.NONE));
                results.add(evaluator.oracleRouter("oracle", List.of("kjv", "pydocs")));
                sets.add(results.stream().collect(Collectors.toMap(Perplexity::name, result -> result)));
            }
        }
        sets.forEach(set -> set.values().forEach(result -> System.out.printf("  %s: %.4f%n", result.name(),
                result.perplexity())));
    }

    @Test
    void bayesianAveragingCostsAtMostLog2PerWindowOverTheOracleRouter() {
        for (Map<String, Perplexity> set : sets) {
            Perplexity bma = set.get("experts-bma");
            Perplexity oracle = set.get("oracle");
            assertEquals(0, bma.zeroProbabilityTokens());
            assertTrue(oracle.meanNll() <= Math.min(set.get("kjv").meanNll(), set.get("pydocs").meanNll()) + 1e-12);
            assertEquals(set.get("kjv").tokens(), oracle.tokens());
            // per window: NLL(BMA) ≤ min_m NLL_m + log 2, the uniform prior's price
            assertTrue(bma.meanNll() <= oracle.meanNll() + WINDOWS * Math.log(2) / bma.tokens() + 1e-5,
                    () -> bma.meanNll() + " vs the oracle router " + oracle.meanNll());
        }
    }

    @Test
    void adaptiveWeightsBeatTheFixedPoolOnBothSets() {
        for (Map<String, Perplexity> set : sets) {
            double fixed = set.get("experts").perplexity();
            for (String adaptive : List.of("experts-online", "experts-packllm")) {
                assertTrue(set.get(adaptive).perplexity() < fixed,
                        () -> adaptive + " " + set.get(adaptive).perplexity() + " vs fixed " + fixed);
            }
        }
    }
}
