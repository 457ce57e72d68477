package dev.chorus.engine.text;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8AccumulatorTest {
    @Test
    void holdsTheBytesOfACodePointSplitAcrossPieces() {
        Utf8Accumulator utf8 = new Utf8Accumulator();
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);     // E2 82 AC
        assertEquals("a", utf8.append(new byte[] {'a', euro[0]}));
        assertEquals("", utf8.append(new byte[] {euro[1]}));
        assertEquals("€b", utf8.append(new byte[] {euro[2], 'b'}));
        assertEquals("", utf8.flush());
    }

    @Test
    void anyRandomSplitOfMixedTextDecodesToTheText() {
        String text = "héllo wörld — 你好, 🎵 notes 🎶 and ascii";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Random random = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            Utf8Accumulator utf8 = new Utf8Accumulator();
            StringBuilder out = new StringBuilder();
            for (int start = 0; start < bytes.length; ) {
                int end = Math.min(bytes.length, start + random.nextInt(5));
                byte[] piece = java.util.Arrays.copyOfRange(bytes, start, end);
                String delta = utf8.append(piece);
                assertEquals(-1, delta.indexOf('\uFFFD'), "no replacement characters mid-stream");
                out.append(delta);
                start = end;
            }
            out.append(utf8.flush());
            assertEquals(text, out.toString());
        }
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        Utf8Accumulator utf8 = new Utf8Accumulator();
        assertEquals("\uFFFDx", utf8.append(new byte[] {(byte) 0x80, 'x'}));
        assertEquals("", utf8.append(new byte[] {(byte) 0xF0, (byte) 0x9F}));
        assertEquals("\uFFFD", utf8.flush());
    }
}
