package dev.chorus.gguf;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Serialises GGUF header fields into a growing little-endian buffer (the inverse of {@link GgufCursor}). */
final class GgufEncoder {
    private ByteBuffer buffer = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);

    GgufEncoder int8(int value) {
        ensure(1).put((byte) value);
        return this;
    }

    GgufEncoder int16(int value) {
        ensure(2).putShort((short) value);
        return this;
    }

    GgufEncoder int32(int value) {
        ensure(4).putInt(value);
        return this;
    }

    GgufEncoder int64(long value) {
        ensure(8).putLong(value);
        return this;
    }

    GgufEncoder string(String value) {
        byte[] bytes = utf8(value);
        int64(bytes.length);
        ensure(bytes.length).put(bytes);
        return this;
    }

    GgufEncoder value(GgufValue value) {
        switch (value) {
            case GgufValue.UInt8(int v) -> int8(v);
            case GgufValue.Int8(byte v) -> int8(v);
            case GgufValue.UInt16(int v) -> int16(v);
            case GgufValue.Int16(short v) -> int16(v);
            case GgufValue.UInt32(long v) -> int32((int) v);
            case GgufValue.Int32(int v) -> int32(v);
            case GgufValue.UInt64(long bits) -> int64(bits);
            case GgufValue.Int64(long v) -> int64(v);
            case GgufValue.Float32(float v) -> int32(Float.floatToRawIntBits(v));
            case GgufValue.Float64(double v) -> int64(Double.doubleToRawLongBits(v));
            case GgufValue.Bool(boolean v) -> int8(v ? 1 : 0);
            case GgufValue.Text(String v) -> string(v);
            case GgufValue.Array array -> {
                int32(array.elementType().id());
                int64(array.size());
                array.elements().forEach(this::value);
            }
        }
        return this;
    }

    GgufEncoder append(GgufEncoder other) {
        ByteBuffer bytes = other.toBuffer();
        ensure(bytes.remaining()).put(bytes);
        return this;
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    GgufEncoder pad(int alignment) {
        int padding = (int) (GgufParser.align(buffer.position(), alignment) - buffer.position());
        ensure(padding).put(new byte[padding]);
        return this;
    }

    int size() {
        return buffer.position();
    }

    /** The bytes written so far, ready to be drained. */
    ByteBuffer toBuffer() {
        return buffer.duplicate().flip();
    }

    /** Strict UTF-8: an unpaired surrogate would not survive a round trip, so it is refused. */
    static byte[] utf8(String value) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(value));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException invalid) {
            throw new IllegalArgumentException("string is not valid Unicode (unpaired surrogate): "
                    + value.substring(0, Math.min(40, value.length())), invalid);
        }
    }

    private ByteBuffer ensure(int bytes) {
        if (buffer.remaining() < bytes) {
            int capacity = Math.max(buffer.capacity() * 2, buffer.position() + bytes);
            buffer = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN).put(buffer.flip());
        }
        return buffer;
    }
}
