package dev.chorus.engine;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FusionOverridesTest {
    private static final FusionRule POOL = new FusionRule(FusionMethod.LINEAR, new float[] {0.5f, 0.5f},
            new float[] {1.2f, 0.8f}, 0f, 1f);

    @Test
    void noOverridesKeepTheConfiguredRule() {
        assertEquals(POOL, FusionOverrides.NONE.applyTo(POOL));
    }

    @Test
    void anEnsembleMaySwitchPoolingAndWeightsKeepingItsTemperatures() {
        FusionRule changed = FusionOverrides.NONE.withMethod(FusionMethod.LOG_LINEAR).withWeights(0.9f, 0.1f)
                .applyTo(POOL);
        assertSame(FusionMethod.LOG_LINEAR, changed.method());
        assertArrayEquals(new float[] {0.9f, 0.1f}, changed.weights());
        assertArrayEquals(new float[] {1.2f, 0.8f}, changed.temperatures());
    }

    @Test
    void contrastiveParametersMayChange() {
        FusionRule changed = FusionOverrides.NONE.withLambda(0.25f).withAlpha(0.5f)
                .applyTo(FusionRule.contrastive(1f, 0.1f));
        assertEquals(FusionRule.contrastive(0.25f, 0.5f), changed);
    }

    @Test
    void aProxyStrengthSetsSignedCoefficients() {
        FusionRule proxy = FusionRule.of(FusionMethod.PROXY, 1f, 0.5f, -0.5f);
        assertArrayEquals(new float[] {1f, 2f, -2f}, FusionOverrides.NONE.withStrength(2f).applyTo(proxy).weights());
    }

    @Test
    void invalidOverridesNameTheParameter() {
        FusionRule contrastive = FusionRule.contrastive(1f, 0.1f);
        assertRefused("chorus.method", FusionOverrides.NONE.withMethod(FusionMethod.CONTRASTIVE), POOL);
        assertRefused("chorus.method", FusionOverrides.NONE.withMethod(FusionMethod.LINEAR), contrastive);
        assertRefused("chorus.weights", FusionOverrides.NONE.withWeights(1f), POOL);
        assertRefused("chorus.weights", FusionOverrides.NONE.withWeights(-1f, 0f), POOL);
        assertRefused("chorus.weights", FusionOverrides.NONE.withWeights(0f, 0f), POOL);
        assertRefused("chorus.alpha", FusionOverrides.NONE.withAlpha(2f), contrastive);
        assertRefused("chorus.lambda", FusionOverrides.NONE.withLambda(-1f), contrastive);
        assertRefused("chorus.lambda", FusionOverrides.NONE.withLambda(0.5f), POOL);
        assertRefused("chorus.strength", FusionOverrides.NONE.withStrength(1f), POOL);
        assertRefused("chorus.strength", FusionOverrides.NONE.withStrength(1f).withWeights(1f, 1f, 1f),
                FusionRule.of(FusionMethod.PROXY, 1f, 1f, -1f));
        InvalidRequest unknown = assertThrows(InvalidRequest.class, () -> FusionOverrides.NONE.withMethodNamed("average"));
        assertEquals("chorus.method", unknown.param());
        assertSame(FusionMethod.LOG_LINEAR, FusionOverrides.NONE.withMethodNamed("Log-Linear").method());
    }

    private static void assertRefused(String param, FusionOverrides overrides, FusionRule configured) {
        InvalidRequest refused = assertThrows(InvalidRequest.class, () -> overrides.applyTo(configured));
        assertEquals(param, refused.param(), refused.getMessage());
    }
}
