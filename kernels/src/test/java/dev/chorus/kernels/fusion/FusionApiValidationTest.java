package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The API's value types reject what FUSION.md does not define, and FusionStep keeps what it is given. */
class FusionApiValidationTest {

    private static final float[] ONE_ONE = {1f, 1f};

    @Test
    void rulesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new FusionRule(FusionMethod.LINEAR, ONE_ONE, new float[] {1f}, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new FusionRule(FusionMethod.LINEAR, ONE_ONE, new float[] {1f, 0f}, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new FusionRule(FusionMethod.LINEAR, ONE_ONE, new float[] {1f, Float.NaN}, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> FusionRule.of(FusionMethod.LINEAR, 1f, -0.5f));
        assertThrows(IllegalArgumentException.class, () -> FusionRule.of(FusionMethod.MAX, 0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> FusionRule.of(FusionMethod.PROXY, 1f, Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> FusionRule.of(FusionMethod.CONTRASTIVE, 1f, 1f, 1f));
        assertThrows(IllegalArgumentException.class, () -> FusionRule.contrastive(-1f, 0.1f));
        assertThrows(IllegalArgumentException.class, () -> FusionRule.contrastive(1f, 0f));
        assertThrows(IllegalArgumentException.class, () -> FusionRule.contrastive(1f, 1.5f));
        FusionRule proxy = FusionRule.of(FusionMethod.PROXY, 1f, 0.5f, -0.5f);
        assertEquals(3, proxy.members());
        assertEquals(-0.5f, proxy.weight(2));
        float[] weights = proxy.weights();
        weights[0] = 9f;
        assertEquals(1f, proxy.weight(0), "the rule keeps its own copy");
        assertEquals(proxy, FusionRule.of(FusionMethod.PROXY, 1f, 0.5f, -0.5f));
    }

    @Test
    void samplingIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(-1f, 0));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(Float.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, -1, 1f, 0f, 1f, 0f, 0f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 0f, 0f, 1f, 0f, 0f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 1f, 1.5f, 1f, 0f, 0f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 1f, 0f, 0f, 0f, 0f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 1f, 0f, 1f, Float.NaN, 0f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 1f, 0f, 1f, 0f, 0f, 0, 21));
        assertEquals(true, SamplingParams.GREEDY.greedy());
        assertEquals(false, SamplingParams.GREEDY.penalised());
    }

    @Test
    void shapesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new FusionShape(0, 1, 10, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new FusionShape(1, 1, 10, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new FusionShape(1, 1, 10, 0, 21));
        assertThrows(IllegalArgumentException.class, () -> new FusionShape(1, 1 << 16, 1 << 16, 0, 0));
        FusionShape shape = new FusionShape(3, 4, 10, 2, 1);
        assertEquals(120, shape.logitCount());
        assertEquals((2 * 4 + 1) * 10, shape.rowOffset(2, 1));
    }

    @Test
    void stepsValidateAndKeepTheLastHistoryTokens() {
        FusionShape shape = new FusionShape(2, 2, 10, 3, 2);
        FusionStep step = new FusionStep(shape);
        FusionRule rule = FusionRule.of(FusionMethod.LINEAR, 1f, 1f);
        assertThrows(IllegalArgumentException.class,
                () -> step.add(FusionRule.of(FusionMethod.LINEAR, 1f), SamplingParams.GREEDY, 0, 0, new int[0], 0));
        assertThrows(IllegalArgumentException.class,
                () -> step.add(rule, new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 0, 3), 0, 0, new int[0], 0));
        assertThrows(IllegalArgumentException.class, () -> step.add(rule, SamplingParams.GREEDY, -1, 0, new int[0], 0));
        assertThrows(IllegalArgumentException.class, () -> step.add(rule, SamplingParams.GREEDY, 0, 0, new int[] {10}, 1));
        assertThrows(IllegalArgumentException.class, () -> step.add(rule, SamplingParams.GREEDY, 0, 0, new int[] {1}, 2));
        assertEquals(0, step.batch(), "a rejected row is not added");
        assertEquals(0, step.add(rule, SamplingParams.GREEDY, 5, 7, new int[] {1, 2, 3, 4, 5, 9}, 5));
        assertEquals(1, step.add(rule, SamplingParams.GREEDY, 6, 8, null, 0));
        assertThrows(IllegalStateException.class, () -> step.add(rule, SamplingParams.GREEDY, 0, 0, null, 0));
        assertEquals(3, step.historyLength(0));
        assertEquals(3, step.history(0, 0));
        assertEquals(5, step.history(0, 2));
        assertEquals(5, step.stream(0));
        assertEquals(8, step.step(1));
        assertEquals(0, step.historyLength(1));
        assertThrows(IndexOutOfBoundsException.class, () -> step.history(0, 3));
        step.clear();
        assertEquals(0, step.batch());
        assertThrows(IndexOutOfBoundsException.class, () -> step.rule(0));
    }
}
