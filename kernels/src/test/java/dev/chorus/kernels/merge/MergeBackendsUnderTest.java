package dev.chorus.kernels.merge;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The backends golden tests run: Java always; OpenCL wherever an ICD is installed (a missing OpenCL
 * device there is a failure, not a skip); CUDA where a device loads, skipped with the reason elsewhere.
 */
final class MergeBackendsUnderTest {

    private static final Path OPENCL_VENDORS = Path.of("/etc/OpenCL/vendors");

    private MergeBackendsUnderTest() {
    }

    static Stream<MergeBackend> all() {
        return Stream.of(MergeBackend.values());
    }

    /** Opens {@code backend}, skipping or failing as the class comment says when it cannot run. */
    static MergeKernels open(MergeBackend backend) {
        MergeBackends.Availability availability = MergeBackends.available().stream()
                .filter(candidate -> candidate.backend() == backend).findFirst()
                .orElseThrow(() -> new AssertionError("no " + backend.id() + " factory on the class path"));
        if (availability.unavailableReason().isPresent()) {
            String reason = availability.unavailableReason().get();
            if (backend != MergeBackend.CUDA && openClInstalled()) {
                fail(backend.id() + " must run here: " + reason);
            }
            assumeTrue(false, reason);
        }
        return availability.factory().open();
    }

    private static boolean openClInstalled() {
        try (Stream<Path> vendors = Files.list(OPENCL_VENDORS)) {
            return vendors.findAny().isPresent();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
