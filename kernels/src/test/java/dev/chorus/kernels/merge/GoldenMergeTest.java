package dev.chorus.kernels.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every method on every backend against {@link MergeReference}, on random tensors of awkward sizes. */
class GoldenMergeTest {

    /** Awkward sizes, and one above the Java backend's parallel chunk (65536). */
    private static final int[] LENGTHS = {1, 31, 1025, 32_007, 150_001};

    static Stream<Named<MergeStep>> steps() {
        float[] three = {0.5f, 0.3f, 1.0f};
        double[] half = {0.5, 0.5, 0.5};
        double[] mixed = {0.2, 0.7, 1.0};
        return Stream.of(
                Named.of("linear normalised", new MergeStep.Linear(three, true)),
                Named.of("linear weight 1 and 0", new MergeStep.Linear(new float[] {1f, 0f, 0f}, false)),
                Named.of("linear raw", new MergeStep.Linear(new float[] {0.7f, -0.2f, 0.4f}, false)),
                Named.of("task arithmetic", delta(three, half, Sparsification.NONE, false, false, 1f)),
                Named.of("task arithmetic normalised λ=0.8", delta(three, half, Sparsification.NONE, false, true, 0.8f)),
                Named.of("ties", delta(three, mixed, Sparsification.MAGNITUDE, true, true, 1f)),
                Named.of("ties density 0 and 1", delta(three, new double[] {0, 1, 0.5}, Sparsification.MAGNITUDE, true, true, 1f)),
                Named.of("dare linear", delta(three, mixed, Sparsification.RANDOM, false, false, 1f)),
                Named.of("dare ties", delta(three, half, Sparsification.RANDOM, true, false, 1.2f)),
                Named.of("breadcrumbs", delta(three, half, Sparsification.MAGNITUDE_OUTLIERS, false, false, 1f)),
                Named.of("breadcrumbs ties", delta(three, mixed, Sparsification.MAGNITUDE_OUTLIERS, true, false, 1f)));
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        MergeBackendsUnderTest.all().forEach(backend -> steps().forEach(step -> cases.add(Arguments.of(backend, step))));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesTheReference(MergeBackend backend, MergeStep step) {
        try (MergeKernels kernels = MergeBackendsUnderTest.open(backend)) {
            for (int length : LENGTHS) {
                MergeInputs inputs = RandomTensors.related(length, 3, 0.05f, 17 + length);
                assertMatches(kernels, step, inputs);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.chorus.kernels.merge.MergeBackendsUnderTest#all")
    void slerpMatchesTheReferenceAndFallsBackToLinearForColinearVectors(MergeBackend backend) {
        try (MergeKernels kernels = MergeBackendsUnderTest.open(backend)) {
            for (int length : LENGTHS) {
                MergeInputs pair = RandomTensors.related(length, 2, 0.5f, 5 + length);
                for (float t : new float[] {0f, 0.3f, 0.5f, 1f}) {
                    assertMatches(kernels, new MergeStep.Slerp(t), new MergeInputs(null, pair.models(), length));
                }
            }
            float[] a = RandomTensors.normal(1025, 99, 1f);
            float[] twice = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                twice[i] = 2 * a[i];
            }
            float[] out = new float[a.length];
            kernels.merge(new MergeStep.Slerp(0.25f), new MergeInputs(null, new float[][] {a, twice}, a.length), out);
            for (int i = 0; i < a.length; i++) {
                assertEquals(1.25f * a[i], out[i], 1e-5f * (1 + Math.abs(a[i])), "colinear → lerp at " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.chorus.kernels.merge.MergeBackendsUnderTest#all")
    void buffersAreReusedAcrossShrinkingAndGrowingTensors(MergeBackend backend) {
        MergeStep ties = delta(new float[] {1f, 1f}, new double[] {0.3, 0.6}, Sparsification.MAGNITUDE, true, true, 1f);
        try (MergeKernels kernels = MergeBackendsUnderTest.open(backend)) {
            for (int length : new int[] {5000, 7, 0, 12_345}) {
                assertMatches(kernels, ties, RandomTensors.related(length, 2, 0.1f, length));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.chorus.kernels.merge.MergeBackendsUnderTest#all")
    void dareDropsTheSameElementsAsTheJavaBackend(MergeBackend backend) {
        int length = 150_001;
        MergeInputs inputs = RandomTensors.related(length, 1, 0.1f, 8);
        MergeStep dare = new MergeStep.DeltaMerge(new float[] {1f}, new double[] {0.4}, Sparsification.RANDOM, 0, true,
                false, false, 1f, 2024, 9);
        boolean[] expected = keptElements(MergeBackends.open(MergeBackend.JAVA), dare, inputs);
        boolean[] actual = keptElements(MergeBackendsUnderTest.open(backend), dare, inputs);
        assertTrue(java.util.Arrays.equals(expected, actual), backend + " drops other elements than Java");
    }

    private static boolean[] keptElements(MergeKernels kernels, MergeStep step, MergeInputs inputs) {
        float[] out = new float[inputs.length()];
        try (kernels) {
            kernels.merge(step, inputs, out);
        }
        boolean[] kept = new boolean[out.length];
        for (int i = 0; i < out.length; i++) {
            kept[i] = out[i] != inputs.base()[i];
        }
        return kept;
    }

    static MergeStep.DeltaMerge delta(float[] weights, double[] densities, Sparsification sparsification,
                                      boolean consensus, boolean normalize, float lambda) {
        return new MergeStep.DeltaMerge(weights, densities, sparsification, 0.1, true, consensus, normalize, lambda,
                0x1234_5678_9ABCL, 42);
    }

    /** Compares with a bound scaled by the terms' magnitude, and checks the output is not just the base. */
    static void assertMatches(MergeKernels kernels, MergeStep step, MergeInputs inputs) {
        float[] expected = new float[inputs.length()];
        float[] actual = new float[inputs.length() + 3];
        new MergeReference().merge(step, inputs, expected);
        kernels.merge(step, inputs, actual);
        double worst = 0;
        for (int i = 0; i < inputs.length(); i++) {
            double scale = 1;
            for (float[] model : inputs.models()) {
                scale += Math.abs(model[i]);
            }
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / scale);
        }
        assertTrue(worst < 2e-6, kernels.backend() + " " + step + " n=" + inputs.length() + ": relative error " + worst);
    }
}
