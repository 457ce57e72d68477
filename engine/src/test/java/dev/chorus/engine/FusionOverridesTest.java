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
    void invalidOverridesAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class,
                () -> FusionOverrides.NONE.withMethod(FusionMethod.CONTRASTIVE).applyTo(POOL));
        assertThrows(IllegalArgumentException.class,
                () -> FusionOverrides.NONE.withMethod(FusionMethod.LINEAR).applyTo(FusionRule.contrastive(1f, 0.1f)));
        assertThrows(IllegalArgumentException.class, () -> FusionOverrides.NONE.withWeights(1f).applyTo(POOL));
        assertThrows(IllegalArgumentException.class, () -> FusionOverrides.NONE.withWeights(-1f, 0f).applyTo(POOL));
        assertThrows(IllegalArgumentException.class,
                () -> FusionOverrides.NONE.withAlpha(2f).applyTo(FusionRule.contrastive(1f, 0.1f)));
    }
}
