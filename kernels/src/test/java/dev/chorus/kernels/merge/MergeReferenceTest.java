package dev.chorus.kernels.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The reference itself on hand-worked cases, so the golden tests compare against the right formulas. */
class MergeReferenceTest {

    private static final float[] BASE = {0.5f, 0.5f, 0.5f, 0.5f};

    private static float[] shifted(float... deltas) {
        float[] values = new float[deltas.length];
        for (int i = 0; i < deltas.length; i++) {
            values[i] = BASE[i] + deltas[i];
        }
        return values;
    }

    private static float[] merge(MergeStep step, float[]... models) {
        float[] out = new float[BASE.length];
        new MergeReference().merge(step, new MergeInputs(BASE, models, BASE.length), out);
        return out;
    }

    @Test
    void tiesTrimsElectsAndAveragesTheAgreeingDeltas() {
        float[] a = shifted(1f, -2f, 3f, -0.5f);  // density 0.5 keeps 3 and -2
        float[] b = shifted(-1.5f, 1f, 2f, 0.1f); // keeps 2 and -1.5
        MergeStep step = GoldenMergeTest.delta(new float[] {1f, 1f}, new double[] {0.5, 0.5}, Sparsification.MAGNITUDE,
                true, true, 1f);
        assertArrayEquals(shifted(-1.5f, -2f, 2.5f, 0f), merge(step, a, b), 1e-6f);
    }

    @Test
    void magnitudeTrimKeepsExactlyKAndBreaksTiesByTheLowerIndex() {
        float[] a = shifted(1f, -1f, 1f, -1f);
        MergeStep step = GoldenMergeTest.delta(new float[] {1f}, new double[] {0.5}, Sparsification.MAGNITUDE, true, true, 1f);
        assertArrayEquals(shifted(1f, -1f, 0f, 0f), merge(step, a));
        MergeStep outliers = new MergeStep.DeltaMerge(new float[] {1f}, new double[] {0.5}, Sparsification.MAGNITUDE_OUTLIERS,
                0.25, false, false, false, 1f, 0, 0);
        assertArrayEquals(shifted(0f, -1f, 1f, 0f), merge(outliers, a));
    }

    /** mergekit elects {@code sum >= 0} as positive: a zero sum keeps the positive deltas. */
    @Test
    void aZeroElectedSignCountsAsPositive() {
        float[] a = shifted(1f, 2f, -1f, 0f);
        float[] b = shifted(-1f, -2f, 0.5f, 0f);
        MergeStep step = GoldenMergeTest.delta(new float[] {1f, 1f}, new double[] {1, 1}, Sparsification.MAGNITUDE, true,
                true, 1f);
        assertArrayEquals(shifted(1f, 2f, -1f, 0f), merge(step, a, b), 1e-6f);
    }

    @Test
    void taskArithmeticAddsWeightedDeltasScaledByLambda() {
        float[] a = shifted(1f, -2f, 3f, -0.5f);
        float[] b = shifted(-1.5f, 1f, 2f, 0.1f);
        MergeStep step = GoldenMergeTest.delta(new float[] {1f, 0.5f}, new double[] {1, 1}, Sparsification.NONE, false,
                false, 2f);
        assertArrayEquals(shifted(0.5f, -3f, 8f, -0.9f), merge(step, a, b), 1e-6f);
    }

    @Test
    void breadcrumbsDropsTheLargestOutliersAndTheSmallest() {
        float[] a = shifted(4f, -3f, 2f, 1f);
        MergeStep step = new MergeStep.DeltaMerge(new float[] {1f}, new double[] {0.5}, Sparsification.MAGNITUDE_OUTLIERS,
                0.25, false, false, false, 1f, 0, 0);
        assertArrayEquals(shifted(0f, -3f, 2f, 0f), merge(step, a));
    }

    @Test
    void dareKeepsAboutTheDensityAndRescalesWhatItKeeps() {
        int length = 100_000;
        MergeInputs inputs = RandomTensors.related(length, 1, 0.1f, 3);
        MergeStep step = new MergeStep.DeltaMerge(new float[] {1f}, new double[] {0.3}, Sparsification.RANDOM, 0, true,
                false, false, 1f, 77, 5);
        float[] out = new float[length];
        new MergeReference().merge(step, inputs, out);
        int kept = 0;
        for (int i = 0; i < length; i++) {
            if (out[i] != inputs.base()[i]) {
                kept++;
                float delta = inputs.models()[0][i] - inputs.base()[i];
                assertEquals(inputs.base()[i] + delta / 0.3f, out[i], 1e-5f);
            }
        }
        // Binomial(100000, 0.3): the standard deviation is 145, so 6 sigma is 870.
        assertTrue(Math.abs(kept - 30_000) < 870, "kept " + kept);
        float[] otherSeed = new float[length];
        new MergeReference().merge(new MergeStep.DeltaMerge(new float[] {1f}, new double[] {0.3}, Sparsification.RANDOM,
                0, true, false, false, 1f, 78, 5), inputs, otherSeed);
        assertNotEquals(java.util.Arrays.hashCode(out), java.util.Arrays.hashCode(otherSeed));
    }

    @Test
    void slerpOfOrthogonalUnitVectorsStaysOnTheCircle() {
        float[] x = {1f, 0f};
        float[] y = {0f, 1f};
        float[] out = new float[2];
        new MergeReference().merge(new MergeStep.Slerp(0.5f), new MergeInputs(null, new float[][] {x, y}, 2), out);
        assertArrayEquals(new float[] {(float) Math.sqrt(0.5), (float) Math.sqrt(0.5)}, out, 1e-6f);
    }

    @Test
    void badParametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MergeStep.Linear(new float[] {1f, -1f}, true));
        assertThrows(IllegalArgumentException.class, () -> GoldenMergeTest.delta(new float[] {1f}, new double[] {1.5},
                Sparsification.MAGNITUDE, true, true, 1f));
        assertThrows(IllegalArgumentException.class, () -> GoldenMergeTest.delta(new float[] {1f}, new double[] {0},
                Sparsification.RANDOM, true, true, 1f));
        assertThrows(IllegalArgumentException.class, () -> new MergeInputs(null, new float[17][1], 1));
        assertThrows(IllegalArgumentException.class, () -> new MergeInputs(null, new float[][] {new float[2]}, 3));
    }
}
