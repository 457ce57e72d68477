package dev.chorus.llama.rpc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire format of llama.cpp's RPC backend, protocol 7.0 (ggml-rpc.cpp, v0.5.0), as far as Chorus
 * reads it: a request is {@code cmd (1 byte) | size (8, little-endian) | payload}; commands that
 * answer send {@code size (8) | payload}, of a size the command fixes (or, for {@code GET_TENSOR},
 * the request's last field). Nothing else is parsed: payloads pass through unread.
 */
public final class RpcProtocol {

    public static final int MAJOR = 7;
    public static final int MINOR = 0;

    static final int ALLOC_BUFFER = 0;
    static final int GET_ALIGNMENT = 1;
    static final int GET_MAX_SIZE = 2;
    static final int BUFFER_GET_BASE = 3;
    static final int FREE_BUFFER = 4;
    static final int BUFFER_CLEAR = 5;
    static final int SET_TENSOR = 6;
    static final int SET_TENSOR_HASH = 7;
    static final int GET_TENSOR = 8;
    static final int COPY_TENSOR = 9;
    static final int GRAPH_COMPUTE = 10;
    static final int GET_DEVICE_MEMORY = 11;
    static final int INIT_TENSOR = 12;
    static final int GET_ALLOC_SIZE = 13;
    static final int HELLO = 14;
    static final int DEVICE_COUNT = 15;
    static final int GRAPH_RECOMPUTE = 16;
    static final int MEMSET_TENSOR = 17;

    /** {@code RPC_CONN_CAPS_SIZE}: transport capabilities in HELLO (RDMA); Chorus always offers none. */
    static final int CAPS_SIZE = 24;
    /** HELLO's answer: major, minor, patch, padding, then the server's capabilities. */
    static final int HELLO_RESPONSE_SIZE = 4 + CAPS_SIZE;
    /** Commands that answer nothing. */
    static final long NO_RESPONSE = -1;

    private static final String[] NAMES = {"ALLOC_BUFFER", "GET_ALIGNMENT", "GET_MAX_SIZE", "BUFFER_GET_BASE",
        "FREE_BUFFER", "BUFFER_CLEAR", "SET_TENSOR", "SET_TENSOR_HASH", "GET_TENSOR", "COPY_TENSOR", "GRAPH_COMPUTE",
        "GET_DEVICE_MEMORY", "INIT_TENSOR", "GET_ALLOC_SIZE", "HELLO", "DEVICE_COUNT", "GRAPH_RECOMPUTE",
        "MEMSET_TENSOR"};

    private RpcProtocol() {}

    static boolean isKnown(int command) {
        return command >= 0 && command < NAMES.length;
    }

    static String name(int command) {
        return isKnown(command) ? NAMES[command] : "command " + command;
    }

    /**
     * The size of the answer to {@code command}, or {@link #NO_RESPONSE}; {@code payload} is the request's
     * (needed for GET_TENSOR only, whose request ends with the size it asks for).
     */
    static long responseSize(int command, byte[] payload) {
        return switch (command) {
            case ALLOC_BUFFER, GET_DEVICE_MEMORY -> 16;
            case GET_ALIGNMENT, GET_MAX_SIZE, BUFFER_GET_BASE, GET_ALLOC_SIZE -> 8;
            case SET_TENSOR_HASH, COPY_TENSOR -> 1;
            case DEVICE_COUNT -> 4;
            case HELLO -> HELLO_RESPONSE_SIZE;
            case GET_TENSOR -> ByteBuffer.wrap(payload, payload.length - Long.BYTES, Long.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN).getLong();
            case FREE_BUFFER, BUFFER_CLEAR, SET_TENSOR, GRAPH_COMPUTE, INIT_TENSOR, GRAPH_RECOMPUTE, MEMSET_TENSOR ->
                    NO_RESPONSE;
            default -> throw new IllegalArgumentException("unknown RPC command " + command);
        };
    }

    /** Commands whose request Chorus must read whole (to size the answer or clear HELLO's capabilities). */
    static boolean needsPayload(int command) {
        return command == GET_TENSOR || command == HELLO;
    }

    /**
     * The answer a vanished server would have given, so llama.cpp's client (which aborts the process on a
     * failed RPC) completes: zeros, except a HELLO of this protocol and a power-of-two alignment. The
     * results are garbage; Chorus discards them and fails the request (see {@link RpcRelay}).
     */
    static byte[] placeholderResponse(int command, long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a " + name(command) + " answer of " + size + " bytes");
        }
        byte[] response = new byte[(int) size];
        if (command == HELLO) {
            response[0] = MAJOR;
            response[1] = MINOR;
        } else if (command == GET_ALIGNMENT) {
            response[0] = 64;
        }
        return response;
    }

    static byte[] littleEndianLong(long value) {
        return ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    static long readLittleEndianLong(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
