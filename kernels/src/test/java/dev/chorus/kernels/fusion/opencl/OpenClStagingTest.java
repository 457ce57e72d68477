package dev.chorus.kernels.fusion.opencl;

import static org.jocl.CL.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_mem;
import org.junit.jupiter.api.Test;

/**
 * The staging buffer's piecework, on pieces small enough for any device (the real pieces are 1 GiB, so that
 * buffers past 2 GiB fit in Java's int-indexed mapped buffers): one segment over every piece, and uploads that
 * start, end and cross piece boundaries land at the same offsets on the device.
 */
class OpenClStagingTest {

    private static final long PIECE = 1 << 20;
    private static final long BYTES = 5 * PIECE + 123;

    @Test
    @SuppressWarnings("deprecation") // clCreateCommandQueue, as the backend uses it
    void piecesFormOneSegmentAndUploadAcrossTheirBoundaries() {
        OpenClLogitFusionFactory factory = new OpenClLogitFusionFactory();
        assumeTrue(factory.unavailableReason().isEmpty(), () -> "no OpenCL: " + factory.unavailableReason().orElseThrow());
        OpenClProgram program = OpenClProgram.shared();
        cl_command_queue queue = clCreateCommandQueue(program.context, program.device, 0, null);
        cl_mem target = clCreateBuffer(program.context, CL_MEM_READ_WRITE, BYTES, null, null);
        Arena arena = Arena.ofShared();
        OpenClStaging staging = new OpenClStaging(program.context, queue, BYTES, PIECE, arena);
        try {
            MemorySegment host = staging.segment();
            assertEquals(BYTES, host.byteSize());
            for (long i = 0; i < BYTES; i++) {
                host.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
            }
            ByteBuffer zeros = ByteBuffer.allocateDirect((int) BYTES);
            clEnqueueWriteBuffer(queue, target, CL_TRUE, 0, BYTES, Pointer.to(zeros), 0, null, null);
            long[][] ranges = {{0, PIECE}, {PIECE - 5, 10}, {2 * PIECE + 17, 2 * PIECE + 1}, {5 * PIECE, 123}};
            for (long[] range : ranges) {
                staging.upload(queue, target, range[0], range[1]);
            }
            ByteBuffer back = ByteBuffer.allocateDirect((int) BYTES);
            clEnqueueReadBuffer(queue, target, CL_TRUE, 0, BYTES, Pointer.to(back), 0, null, null);
            for (long i = 0; i < BYTES; i++) {
                boolean uploaded = false;
                for (long[] range : ranges) {
                    uploaded |= i >= range[0] && i < range[0] + range[1];
                }
                assertEquals(uploaded ? (byte) (i * 31 + 7) : 0, back.get((int) i), "byte " + i);
            }
        } finally {
            clFinish(queue);
            arena.close();
            staging.release(queue);
            clReleaseMemObject(target);
            clReleaseCommandQueue(queue);
        }
    }
}
