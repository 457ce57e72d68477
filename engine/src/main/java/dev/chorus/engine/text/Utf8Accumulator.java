package dev.chorus.engine.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Incremental UTF-8 decoding of token pieces: a token may end in the middle of a code point (byte-fallback tokens
 * such as {@code <0xE2>}), so the bytes of an incomplete trailing code point are held until the next piece completes
 * them. Invalid sequences decode to U+FFFD, never to an exception. Not thread-safe.
 */
public final class Utf8Accumulator {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] pending = new byte[0];

    /** Appends a piece and returns the text of every code point it completes (possibly empty). */
    public String append(byte[] piece) {
        byte[] bytes = pending.length == 0 ? piece : concat(pending, piece);
        int complete = completePrefix(bytes);
        pending = Arrays.copyOfRange(bytes, complete, bytes.length);
        return decode(bytes, complete);
    }

    /** Returns what is still held (an incomplete code point, as U+FFFD) and forgets it. */
    public String flush() {
        String rest = decode(pending, pending.length);
        pending = new byte[0];
        return rest;
    }

    /** The length of the longest prefix that does not end inside a code point which later bytes could complete. */
    private static int completePrefix(byte[] bytes) {
        // A UTF-8 code point is at most 4 bytes: only the last 3 can belong to an unfinished one.
        for (int back = 1; back <= Math.min(3, bytes.length); back++) {
            int b = bytes[bytes.length - back] & 0xFF;
            if (b < 0x80) {
                return bytes.length;            // ASCII: nothing unfinished after it
            }
            if (b >= 0xC0) {                    // lead byte: is its code point complete?
                int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return needed > back ? bytes.length - back : bytes.length;
            }
        }
        return bytes.length;                    // only continuation bytes: invalid, let the decoder replace them
    }

    private String decode(byte[] bytes, int length) {
        if (length == 0) {
            return "";
        }
        try {
            CharBuffer chars = decoder.reset().decode(ByteBuffer.wrap(bytes, 0, length));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing UTF-8 decoder cannot fail", e);
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
