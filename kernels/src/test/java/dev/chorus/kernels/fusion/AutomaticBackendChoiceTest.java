package dev.chorus.kernels.fusion;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Automatic selection passes over a backend that runs but should not be chosen unasked. */
class AutomaticBackendChoiceTest {
    private static final FusionShape SHAPE = new FusionShape(2, 1, 64, 0, 0);

    @Test
    void anOpenClDeviceThatIsTheCpuIsUsedOnlyWhenNamed() {
        Optional<LogitFusions.Availability> openCl = LogitFusions.available().stream()
                .filter(candidate -> candidate.backend() == FusionBackend.OPENCL && candidate.available())
                .findFirst();
        assumeTrue(openCl.isPresent(), "no OpenCL device here");
        assumeTrue(openCl.get().factory().notChosenAutomatically().isPresent(), "the OpenCL device is a GPU");
        assumeTrue(LogitFusions.available().stream().noneMatch(
                candidate -> candidate.backend() == FusionBackend.CUDA && candidate.available()), "CUDA runs here");

        String forced = System.setProperty(LogitFusions.BACKEND_PROPERTY, "auto");
        try (LogitFusion automatic = LogitFusions.open(SHAPE);
             LogitFusion named = LogitFusions.open(SHAPE, FusionBackend.OPENCL)) {
            assertEquals(FusionBackend.JAVA, automatic.backend());
            assertEquals(FusionBackend.OPENCL, named.backend());
        } finally {
            if (forced == null) {
                System.clearProperty(LogitFusions.BACKEND_PROPERTY);
            } else {
                System.setProperty(LogitFusions.BACKEND_PROPERTY, forced);
            }
        }
    }
}
