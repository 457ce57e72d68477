package dev.chorus.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reads from a GGUF image. Every failure is a {@link GgufFormatException} naming the
 * offset of the field being read, so callers never see an IndexOutOfBoundsException.
 */
final class GgufCursor {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** ggml's {@code GGUF_MAX_STRING_LENGTH}, which also keeps every string within a Java array. */
    static final long MAX_STRING_BYTES = 1L << 30;

    private final MemorySegment image;
    private long position;

    GgufCursor(MemorySegment image) {
        this.image = image;
    }

    long position() {
        return position;
    }

    long remaining() {
        return image.byteSize() - position;
    }

    byte int8(String what) throws GgufFormatException {
        require(1, what);
        return image.get(ValueLayout.JAVA_BYTE, position++);
    }

    short int16(String what) throws GgufFormatException {
        require(2, what);
        short value = image.get(SHORT, position);
        position += 2;
        return value;
    }

    int int32(String what) throws GgufFormatException {
        require(4, what);
        int value = image.get(INT, position);
        position += 4;
        return value;
    }

    long int64(String what) throws GgufFormatException {
        require(8, what);
        long value = image.get(LONG, position);
        position += 8;
        return value;
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

    /** A GGUF string: uint64 byte length, then that many bytes of strict UTF-8. */
    String string(String what) throws GgufFormatException {
        long start = position;
        long length = count(what + " length", 1);
        if (length > MAX_STRING_BYTES) {
            throw new GgufFormatException(what + " of " + length + " bytes is longer than the "
                    + MAX_STRING_BYTES + " allowed", start);
        }
        ByteBuffer bytes = image.asSlice(position, length).asByteBuffer();
        try {
            String value = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
            position += length;
            return value;
        } catch (CharacterCodingException invalid) {
            throw new GgufFormatException(what + " is not valid UTF-8", start + 8);
        }
    }

    void seek(long offset) {
        position = offset;
    }

    private void require(int bytes, String what) throws GgufFormatException {
        if (remaining() < bytes) {
            throw new GgufFormatException("file truncated: " + what + " needs " + bytes + " bytes, "
                    + remaining() + " left", position);
        }
    }
}
