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
            MergeInputs inputs = RandomTensors.related(32_007, 3, 0.05f, 3);
            for (int chunk : CHUNKS) {
                assertMatches(kernels, step, TensorChunks.of(inputs, chunk), inputs);
            }
        }
    }

    /** Chunk lengths that split a tensor unevenly, down to one DARE quad. */
    private static final int[] CHUNKS = {4, 1000, 8192};

    /**
     * Deltas on a coarse grid, so thousands of elements share each magnitude: the magnitude methods keep
     * exactly the ranks they should (ties by index) whether the tensor is one chunk or many. The base is on a
     * grid too and the weights are binary fractions, so every sum is exact and float sums elect the signs that
     * double sums do.
     */
    @ParameterizedTest
    @MethodSource("dev.chorus.kernels.merge.MergeBackendsUnderTest#all")
    void equalMagnitudesAcrossChunksKeepExactlyTheRanks(MergeBackend backend) {
        int length = 20_011;
        MergeInputs inputs = RandomTensors.related(length, 3, 0.05f, 4);
        float[] base = inputs.base();
        for (float[] model : inputs.models()) {
            for (int i = 0; i < length; i++) {
                model[i] = Math.round(base[i] * 64) / 64f + Math.round((model[i] - base[i]) * 40) / 32f;
            }
        }
        for (int i = 0; i < length; i++) {
            base[i] = Math.round(base[i] * 64) / 64f;
        }
        List<MergeStep> steps = List.of(
                delta(new float[] {1f, 0.5f, 0.75f}, new double[] {0.3, 0.5, 0.9}, Sparsification.MAGNITUDE, true, true, 1f),
                delta(new float[] {1f, 0.5f, 0.75f}, new double[] {0.2, 0.4, 0.6}, Sparsification.MAGNITUDE_OUTLIERS, true,
                        false, 1f));
        try (MergeKernels kernels = MergeBackendsUnderTest.open(backend)) {
            for (MergeStep step : steps) {
                assertMatches(kernels, step, inputs);
                for (int chunk : CHUNKS) {
                    assertMatches(kernels, step, TensorChunks.of(inputs, chunk), inputs);
                }
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

    static void assertMatches(MergeKernels kernels, MergeStep step, MergeInputs inputs) {
        assertMatches(kernels, step, TensorChunks.of(inputs, Math.max(1, inputs.length())), inputs);
    }

    /** Compares {@code chunks} (of {@code inputs}) merged with a bound scaled by the terms' magnitude. */
    static void assertMatches(MergeKernels kernels, MergeStep step, TensorChunks chunks, MergeInputs inputs) {
        float[] expected = new float[inputs.length()];
        float[] actual = new float[inputs.length() + 3];
        new MergeReference().merge(step, inputs, expected);
        long[] next = {0};
        kernels.merge(step, chunks, (start, values, count) -> {
            assertEquals(next[0], start, "chunks arrive in order");
            System.arraycopy(values, 0, actual, (int) start, count);
            next[0] += count;
        });
        assertEquals(inputs.length(), next[0]);
        double worst = 0;
        for (int i = 0; i < inputs.length(); i++) {
            double scale = 1;
            for (float[] model : inputs.models()) {
                scale += Math.abs(model[i]);
            }
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / scale);
        }
        assertTrue(worst < 2e-6, kernels.backend() + " " + step + " n=" + inputs.length() + " in chunks of "
                + chunks.chunkLength() + ": relative error " + worst);
    }
}
