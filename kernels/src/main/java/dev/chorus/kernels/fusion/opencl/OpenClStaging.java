package dev.chorus.kernels.fusion.opencl;

import static org.jocl.CL.*;

import dev.chorus.kernels.fusion.gpu.HostMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_mem;

/**
 * The logits staging buffer of an {@link OpenClLogitFusion}: a {@code CL_MEM_ALLOC_HOST_PTR} buffer (pinned on
 * NVIDIA) of any {@code long} size, seen from Java as one segment. JOCL maps into {@link ByteBuffer}s, which hold at
 * most 2 GiB, so the buffer is mapped in pieces of {@link #PIECE_BYTES}; the driver places them at consecutive
 * addresses of its one host allocation (checked), and uploads go piece by piece.
 */
final class OpenClStaging {

    /** The largest piece one mapping (and one upload) covers. */
    static final long PIECE_BYTES = 1L << 30;

    private final cl_mem buffer;
    private final long bytes;
    private final long pieceBytes;
    private final ByteBuffer[] pieces;
    private final MemorySegment segment;

    OpenClStaging(cl_context context, cl_command_queue queue, long bytes, Arena arena) {
        this(context, queue, bytes, PIECE_BYTES, arena);
    }

    /** With pieces of {@code pieceBytes}: {@link #PIECE_BYTES} but in tests, which check the piecework on small buffers. */
    OpenClStaging(cl_context context, cl_command_queue queue, long bytes, long pieceBytes, Arena arena) {
        if (pieceBytes <= 0 || pieceBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a mapped piece holds 1 to 2^31 − 1 bytes: " + pieceBytes);
        }
        this.bytes = bytes;
        this.pieceBytes = pieceBytes;
        this.buffer = clCreateBuffer(context, CL_MEM_ALLOC_HOST_PTR | CL_MEM_READ_WRITE, bytes, null, null);
        this.pieces = new ByteBuffer[Math.toIntExact((bytes + pieceBytes - 1) / pieceBytes)];
        try {
            for (int k = 0; k < pieces.length; k++) {
                long offset = k * pieceBytes;
                pieces[k] = clEnqueueMapBuffer(queue, buffer, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, offset,
                        Math.min(pieceBytes, bytes - offset), 0, null, null, null);
                long expected = HostMemory.address(pieces[0]) + offset;
                if (HostMemory.address(pieces[k]) != expected) {
                    throw new IllegalStateException("the OpenCL driver mapped piece " + k + " of the " + bytes
                            + "-byte staging buffer apart from the others; it cannot be one host segment");
                }
            }
        } catch (RuntimeException e) {
            release(queue);
            throw e;
        }
        this.segment = HostMemory.view(pieces[0], bytes, arena);
    }

    /** The whole buffer as host memory, valid until the arena given at construction closes. */
    MemorySegment segment() {
        return segment;
    }

    /** Enqueues non-blocking writes of bytes {@code [offset, offset + length)} to the same offsets of {@code target}. */
    void upload(cl_command_queue queue, cl_mem target, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > bytes) {
            throw new IndexOutOfBoundsException("bytes " + offset + " + " + length + " of a " + bytes + "-byte staging buffer");
        }
        for (long done = 0; done < length; ) {
            long at = offset + done;
            int piece = (int) (at / pieceBytes);
            long within = at - piece * pieceBytes;
            long size = Math.min(length - done, pieceBytes - within);
            clEnqueueWriteBuffer(queue, target, CL_FALSE, at, size, Pointer.to(pieces[piece]).withByteOffset(within),
                    0, null, null);
            done += size;
        }
    }

    /** Unmaps every piece and releases the buffer; the owner has closed the arena and finished the queue. */
    void release(cl_command_queue queue) {
        for (int k = 0; k < pieces.length; k++) {
            if (pieces[k] != null) {
                clEnqueueUnmapMemObject(queue, buffer, pieces[k], 0, null, null);
                pieces[k] = null;
            }
        }
        clFinish(queue);
        clReleaseMemObject(buffer);
    }
}
