package dev.chorus.kernels.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Backend discovery and choice, and the argument checks every backend shares. */
class MergeBackendsTest {

    @Test
    void everyBackendIsDiscoveredFastestFirstAndACpuOpenClDeviceIsPassedOver() {
        assertEquals(List.of(MergeBackend.CUDA, MergeBackend.OPENCL, MergeBackend.JAVA),
                MergeBackends.available().stream().map(MergeBackends.Availability::backend).toList());
        try (MergeKernels fastest = MergeBackends.openFastest()) {
            MergeBackend expected = MergeBackends.available().stream()
                    .filter(candidate -> candidate.unavailableReason().isEmpty())
                    .filter(candidate -> candidate.factory().notChosenAutomatically().isEmpty())
                    .findFirst().orElseThrow().backend();
            assertEquals(expected, fastest.backend());
        }
    }

    @Test
    void anUnavailableBackendIsRefusedWithItsReason() {
        MergeBackends.Availability cuda = MergeBackends.available().getFirst();
        assumeTrue(cuda.unavailableReason().isPresent(), "CUDA runs here");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> MergeBackends.open(MergeBackend.CUDA));
        assertTrue(refused.getMessage().contains(cuda.unavailableReason().get()), refused.getMessage());
    }

    @Test
    void backendNamesParseIgnoringCase() {
        assertEquals(MergeBackend.OPENCL, MergeBackend.parse(" OpenCL "));
        assertThrows(IllegalArgumentException.class, () -> MergeBackend.parse("metal"));
    }

    @ParameterizedTest
    @MethodSource("dev.chorus.kernels.merge.MergeBackendsUnderTest#all")
    void mismatchedArgumentsAreRefused(MergeBackend backend) {
        MergeInputs inputs = RandomTensors.related(64, 2, 0.1f, 1);
        try (MergeKernels kernels = MergeBackendsUnderTest.open(backend)) {
            assertThrows(IllegalArgumentException.class,
                    () -> kernels.merge(new MergeStep.Linear(new float[] {1f, 1f, 1f}, true), inputs, new float[64]));
            assertThrows(IllegalArgumentException.class,
                    () -> kernels.merge(new MergeStep.Linear(new float[] {1f, 1f}, true), inputs, new float[63]));
            assertThrows(IllegalArgumentException.class, () -> kernels.merge(new MergeStep.Slerp(0.5f),
                    new MergeInputs(null, new float[][] {inputs.models()[0]}, 64), new float[64]));
            assertThrows(IllegalArgumentException.class, () -> kernels.merge(GoldenMergeTest.delta(new float[] {1f, 1f},
                    new double[] {1, 1}, Sparsification.NONE, false, false, 1f), new MergeInputs(null, inputs.models(), 64),
                    new float[64]));
        }
    }
}
