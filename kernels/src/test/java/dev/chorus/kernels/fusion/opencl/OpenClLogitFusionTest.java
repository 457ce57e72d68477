package dev.chorus.kernels.fusion.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chorus.kernels.device.OpenClDevice;
import dev.chorus.kernels.fusion.FusionInputException;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionReference;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.SamplingParams;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.jocl.CL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * What the golden harness does not cover on the OpenCL backend: one instance reused across steps of
 * different batches, bad input raised with its member, sequence and token and the instance still usable
 * afterwards, use after close, and the compiler's log in a failed build. Skipped (with the reason) where no
 * OpenCL device builds the kernels; CI installs PoCL, so it runs there.
 */
class OpenClLogitFusionTest {

    private static final FusionShape SHAPE = new FusionShape(2, 4, 5003, 16, 20);
    private static final OpenClLogitFusionFactory FACTORY = new OpenClLogitFusionFactory();
    private static final SamplingParams SAMPLED = new SamplingParams(0.9f, 50, 0.95f, 0.01f, 1.2f, 0.1f, 0.1f, 99L, 20);

    @BeforeAll
    static void requireDevice() {
        assumeTrue(FACTORY.unavailableReason().isEmpty(), () -> "no OpenCL: " + FACTORY.unavailableReason().orElseThrow());
    }

    @Test
    void namesItsPlatformAndDevice(TestReporter reporter) {
        try (LogitFusion fusion = FACTORY.open(SHAPE)) {
            assertTrue(fusion.device().contains(" / "), fusion.device());
            reporter.publishEntry("OpenCL device", fusion.device());
        }
    }

    @Test
    void reusesItsBuffersAcrossStepsOfDifferentBatches() {
        try (LogitFusion fusion = FACTORY.open(SHAPE)) {
            float[][][] logits = fill(fusion.logits(), new SplittableRandom(5));
            FusionStep full = step(4, SAMPLED);
            FusionResult first = new FusionResult(SHAPE);
            fusion.fuse(full, first);

            FusionStep small = step(2, SamplingParams.GREEDY);
            FusionResult greedy = new FusionResult(SHAPE);
            fusion.fuse(small, greedy);
            for (int b = 0; b < 2; b++) {
                FusionReference.Outcome expected = FusionReference.fuse(logits[b], small.rule(b), small.sampling(b),
                        small.stream(b), small.step(b), new int[0], b);
                assertEquals(expected.token(), greedy.token(b), "greedy row " + b);
                assertEquals(0, greedy.topCount(b), "no top-n asked for, none left over from the step before");
            }

            FusionResult again = new FusionResult(SHAPE);
            fusion.fuse(full, again);
            assertArrayEquals(first.tokens(), again.tokens());
            assertArrayEquals(first.logprobs(), again.logprobs());
            assertArrayEquals(first.topTokens(), again.topTokens());
            assertArrayEquals(first.entropies(), again.entropies());
        }
    }

    @Test
    void reportsBadLogitsWithMemberSequenceAndTokenAndStaysUsable() {
        try (LogitFusion fusion = FACTORY.open(SHAPE)) {
            fill(fusion.logits(), new SplittableRandom(6));
            long bad = SHAPE.rowOffset(1, 2) + 123;
            fusion.logits().setAtIndex(ValueLayout.JAVA_FLOAT, bad, Float.NaN);
            FusionInputException nan = assertThrows(FusionInputException.class,
                    () -> fusion.fuse(step(4, SAMPLED), new FusionResult(SHAPE)));
            assertEquals(1, nan.member());
            assertEquals(2, nan.sequence());
            assertEquals(123, nan.tokenIndex());

            fusion.logits().setAtIndex(ValueLayout.JAVA_FLOAT, bad, 0f);
            fill(fusion.logits().asSlice(SHAPE.rowOffset(0, 3) * Float.BYTES, (long) SHAPE.vocabSize() * Float.BYTES),
                    Float.NEGATIVE_INFINITY);
            FusionInputException empty = assertThrows(FusionInputException.class,
                    () -> fusion.fuse(step(4, SAMPLED), new FusionResult(SHAPE)));
            assertEquals(0, empty.member());
            assertEquals(3, empty.sequence());
            assertEquals(-1, empty.tokenIndex());

            assertDoesNotThrow(() -> fusion.fuse(step(3, SAMPLED), new FusionResult(SHAPE)));
        }
    }

    @Test
    void proxyWithNoFiniteFusedScoreIsAnError() {
        try (LogitFusion fusion = FACTORY.open(SHAPE)) {
            MemorySegment logits = fusion.logits();
            float[] expert = new float[SHAPE.vocabSize()];
            Arrays.fill(expert, Float.NEGATIVE_INFINITY);
            expert[0] = 1f;
            float[] base = new float[SHAPE.vocabSize()];
            base[0] = Float.NEGATIVE_INFINITY;
            MemorySegment.copy(expert, 0, logits, ValueLayout.JAVA_FLOAT, SHAPE.rowOffset(0, 0) * Float.BYTES, expert.length);
            MemorySegment.copy(base, 0, logits, ValueLayout.JAVA_FLOAT, SHAPE.rowOffset(1, 0) * Float.BYTES, base.length);
            FusionStep step = new FusionStep(SHAPE);
            step.add(FusionRule.of(FusionMethod.PROXY, 1f, 0.5f), SamplingParams.GREEDY, 0, 0, new int[0], 0);
            FusionInputException fused = assertThrows(FusionInputException.class,
                    () -> fusion.fuse(step, new FusionResult(SHAPE)));
            assertEquals(FusionInputException.FUSED, fused.member());
            assertEquals(0, fused.sequence());
        }
    }

    @Test
    void aClosedInstanceRefusesUse() {
        LogitFusion fusion = FACTORY.open(SHAPE);
        MemorySegment staging = fusion.logits();
        fusion.close();
        fusion.close();
        assertThrows(IllegalStateException.class, fusion::logits);
        assertThrows(IllegalStateException.class, () -> staging.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
        assertThrows(IllegalStateException.class, () -> fusion.fuse(step(1, SAMPLED), new FusionResult(SHAPE)));
    }

    @Test
    void aFailedBuildCarriesTheCompilerLog() {
        OpenClDevice device = OpenClDevice.open();
        try {
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> device.build("/dev/chorus/kernels/opencl/fusion-broken-for-test.cl", "-cl-std=CL1.2"));
            assertTrue(failure.getMessage().contains("an_undeclared_name"), failure.getMessage());
        } finally {
            CL.clReleaseContext(device.context);
        }
    }

    private static FusionStep step(int batch, SamplingParams sampling) {
        FusionStep step = new FusionStep(SHAPE);
        int[] history = {3, 9, 3, 4000};
        for (int b = 0; b < batch; b++) {
            step.add(FusionRule.of(FusionMethod.LINEAR, 1f, 2f), sampling, b, 7, history, history.length);
        }
        return step;
    }

    /** Random logits for every row; returns them as [sequence][member][token]. */
    private static float[][][] fill(MemorySegment staging, SplittableRandom random) {
        float[][][] rows = new float[SHAPE.maxBatch()][SHAPE.members()][SHAPE.vocabSize()];
        for (int b = 0; b < SHAPE.maxBatch(); b++) {
            for (int m = 0; m < SHAPE.members(); m++) {
                for (int i = 0; i < SHAPE.vocabSize(); i++) {
                    rows[b][m][i] = (float) (random.nextGaussian() * 3);
                }
                MemorySegment.copy(rows[b][m], 0, staging, ValueLayout.JAVA_FLOAT, SHAPE.rowOffset(m, b) * Float.BYTES,
                        SHAPE.vocabSize());
            }
        }
        return rows;
    }

    private static void fill(MemorySegment row, float value) {
        for (long i = 0; i < row.byteSize() / Float.BYTES; i++) {
            row.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
        }
    }
}
