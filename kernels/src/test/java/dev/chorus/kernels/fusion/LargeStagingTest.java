package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A logits staging buffer past 2^31 bytes (8 members × 2400 rows × 32000 tokens, 2.46 GB): member 7's row 0 starts
 * 2.15 GB in, beyond any int offset, and is uploaded and fused like the others. Runs on every backend that can hold
 * it: the Java backend when the machine has the memory to spare (its arena zeroes the whole buffer), a GPU backend
 * when the device allocates that much at once (PoCL stops at 2 GiB); otherwise skipped with the reason.
 */
class LargeStagingTest {

    private static final FusionShape SHAPE = new FusionShape(8, 2400, 32000, 0, 3);
    private static final long BYTES = SHAPE.logitCount() * Float.BYTES;
    /** The Java backend's staging and the JVM's headroom. */
    private static final long JAVA_NEEDS = BYTES + (2L << 30);

    @ParameterizedTest(name = "{0}")
    @EnumSource(FusionBackend.class)
    void stagesAndFusesARowPastTwoGibibytes(FusionBackend backend) throws IOException {
        assertTrue(SHAPE.rowOffset(7, 0) * Float.BYTES > Integer.MAX_VALUE);
        LogitFusions.Availability availability = LogitFusions.available().stream()
                .filter(a -> a.backend() == backend).findFirst().orElseThrow();
        assumeTrue(availability.available(), backend + " does not run here: " + availability.unavailableReason().orElse(""));
        if (backend == FusionBackend.JAVA) {
            long available = availableMemory();
            assumeTrue(available >= JAVA_NEEDS, "the machine has " + available + " bytes available, the test needs "
                    + JAVA_NEEDS);
        }
        SplittableRandom random = new SplittableRandom(31);
        float[][] rows = new float[SHAPE.members()][];
        FusionRule rule = FusionRule.of(FusionMethod.LINEAR, 0.1f, 0f, 0f, 0f, 0f, 0f, 0f, 0.9f);
        SamplingParams greedy = new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 0, 3);
        FusionStep step = new FusionStep(SHAPE);
        step.add(rule, greedy, 0, 0, new int[0], 0);
        FusionResult result = new FusionResult(SHAPE);
        LogitFusion fusion;
        try {
            fusion = availability.factory().open(SHAPE);
        } catch (RuntimeException e) {
            // A GPU backend that cannot allocate the buffers says so; the test is about offsets, not capacity.
            assumeTrue(false, backend + " cannot allocate " + BYTES + " bytes of staging: " + e.getMessage());
            return;
        }
        try (fusion) {
            assertEquals(BYTES, fusion.logits().byteSize());
            for (int m = 0; m < SHAPE.members(); m++) {
                rows[m] = GoldenInputs.logits(random, SHAPE.vocabSize(), false);
                MemorySegment.copy(rows[m], 0, fusion.logits(), ValueLayout.JAVA_FLOAT,
                        SHAPE.rowOffset(m, 0) * Float.BYTES, rows[m].length);
            }
            fusion.fuse(step, result);
        }
        FusionReference.Outcome expected = FusionReference.fuse(rows, rule, greedy, 0, 0, new int[0], 0);
        assertEquals(expected.token(), result.token(0));
        assertArrayEquals(expected.topTokens(), Arrays.copyOf(result.topTokens(), 3),
                "the top tokens mix member 0 with member 7, whose row lies past 2 GiB");
    }

    /** {@code MemAvailable} of {@code /proc/meminfo}, or 0 where it cannot be read. */
    private static long availableMemory() throws IOException {
        Path meminfo = Path.of("/proc/meminfo");
        if (!Files.isReadable(meminfo)) {
            return 0;
        }
        for (String line : Files.readAllLines(meminfo)) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
