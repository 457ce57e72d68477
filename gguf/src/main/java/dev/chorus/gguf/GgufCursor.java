package dev.chorus.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reads from a GGUF image. Every failure is a {@link GgufFormatException} naming the
 * offset of the field being read, so callers never see an IndexOutOfBoundsException.
 */
final class GgufCursor {

    /** ggml's {@code GGUF_MAX_STRING_LENGTH}, which also keeps every string within a Java array. */
    static final long MAX_STRING_BYTES = 1L << 30;

    private final MemorySegment image;
    private long position;
    /** Made on the first string that is not ASCII. */
    private CharsetDecoder utf8;

    GgufCursor(MemorySegment image) {
        this.image = image;
    }

    long position() {
        return position;
    }

    long remaining() {
        return image.byteSize() - position;
    }

    int int32(String what) throws GgufFormatException {
        return bytes(4, what).get(LittleEndianLayouts.INT32, 0);
    }

    long int64(String what) throws GgufFormatException {
        return bytes(8, what).get(LittleEndianLayouts.INT64, 0);
    }

    /** The next {@code length} bytes as a slice of the image. */
    MemorySegment bytes(long length, String what) throws GgufFormatException {
        if (length > remaining()) {
            throw new GgufFormatException("file truncated: " + what + " needs " + length + " bytes, "
                    + remaining() + " left", position);
        }
        MemorySegment slice = image.asSlice(position, length);
        position += length;
        return slice;
    }

    /** A uint64 count that must fit in the bytes left, each element taking at least {@code minimumElementSize}. */
    long count(String what, int minimumElementSize) throws GgufFormatException {
        long start = position;
        long count = int64(what);
        if (count < 0 || count > remaining() / minimumElementSize) {
            throw new GgufFormatException(what + " " + Long.toUnsignedString(count) + " cannot fit in the "
                    + remaining() + " bytes left in the file", start);
        }
        return count;
    }

    /**
     * A GGUF string: uint64 byte length, then that many bytes of strict UTF-8. A vocabulary holds tens of thousands
     * of short, mostly ASCII strings, read at every start: those are copied as they are, the rest go through one
     * strict decoder per cursor, and {@code what} is only spelled out in a failure.
     */
    String string(String what) throws GgufFormatException {
        long start = position;
        long length;
        if (remaining() >= Long.BYTES && (length = image.get(LittleEndianLayouts.INT64, start)) >= 0
                && length <= remaining() - Long.BYTES) {
            position += Long.BYTES;
        } else {
            length = count(what + " length", 1); // fails, naming the field
        }
        if (length > MAX_STRING_BYTES) {
            throw new GgufFormatException(what + " of " + length + " bytes is longer than the "
                    + MAX_STRING_BYTES + " allowed", start);
        }
        // One bulk copy, then plain array reads: per-byte segment reads are slow until the JIT has compiled them.
        byte[] bytes = image.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
        String value = isAscii(bytes) ? new String(bytes, StandardCharsets.US_ASCII) : decodeStrictly(bytes, what, start);
        position += length;
        return value;
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private String decodeStrictly(byte[] bytes, String what, long start) throws GgufFormatException {
        if (utf8 == null) {
            utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
        }
        try {
            return utf8.reset().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException invalid) {
            throw new GgufFormatException(what + " is not valid UTF-8", start + 8);
        }
    }
}
