package dev.chorus.kernels.fusion.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.LogitFusion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * The CUDA backend as far as a machine without a GPU can check it: it reports why it cannot run instead of
 * failing, the PTX the build produced exports every kernel the launchers name, and the launchers' block
 * sizes are the ones the kernels were compiled for. The golden harness covers the numbers where a GPU is.
 */
class CudaLogitFusionFactoryTest {

    private static final CudaLogitFusionFactory FACTORY = new CudaLogitFusionFactory();

    @Test
    void availabilityIsAnAnswerNeverAnException(TestReporter reporter) {
        Optional<String> reason = FACTORY.unavailableReason();
        reporter.publishEntry("CUDA backend", reason.orElse("available"));
        assertEquals(reason, FACTORY.unavailableReason(), "the probe is cached");
        assertEquals(FusionBackend.CUDA, FACTORY.backend());
        if (reason.isPresent()) {
            assertFalse(reason.get().isBlank());
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> FACTORY.open(new FusionShape(2, 1, 1000, 0, 0)));
            assertTrue(reason.get().contains(refused.getMessage()), reason.get() + " / " + refused.getMessage());
        } else {
            try (LogitFusion fusion = FACTORY.open(new FusionShape(2, 1, 1000, 0, 0))) {
                assertTrue(fusion.device().contains("compute"), fusion.device());
                reporter.publishEntry("CUDA device", fusion.device());
            }
        }
    }

    @Test
    void thePtxExportsEveryLaunchedKernel() throws IOException {
        String fuseLogits = ptx("fuse_logits.ptx");
        String sample = ptx("sample.ptx");
        assertTrue(fuseLogits.contains(".target sm_80"), "compiled for compute_80");
        assertTrue(fuseLogits.contains(".entry k_member_moments("));
        assertTrue(fuseLogits.contains(".entry k_fuse_combine("));
        assertTrue(sample.contains(".entry k_sample("));
    }

    @Test
    void launchersUseTheBlockSizesOfTheHeader() throws IOException {
        String header = Files.readString(Path.of("src/main/cuda/fusion_common.cuh"));
        assertEquals(FuseLogitsCuda.THREADS, define(header, "FUSE_THREADS"));
        assertEquals(SampleCuda.THREADS, define(header, "SAMPLE_THREADS"));
    }

    private static int define(String header, String name) {
        Matcher matcher = Pattern.compile("(?m)^#define " + name + " (\\d+)").matcher(header);
        assertTrue(matcher.find(), name);
        return Integer.parseInt(matcher.group(1));
    }

    /** A PTX resource; the test is skipped when this build had no nvcc (the backend then says so itself). */
    private static String ptx(String file) throws IOException {
        try (InputStream in = CudaLogitFusionFactoryTest.class.getResourceAsStream("/dev/chorus/kernels/cuda/" + file)) {
            assumeTrue(in != null, "no " + file + ": this build ran without nvcc");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
