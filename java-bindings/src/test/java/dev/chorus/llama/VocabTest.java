package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VocabTest {

    private static Model model;
    private static Vocab vocab;

    @BeforeAll
    static void load() {
        model = Model.load(TestModels.fixture(), ModelParams.vocabularyOnly());
        vocab = model.vocab();
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void hasTheLlamaSentencePieceVocabulary() {
        assertEquals(TestModels.VOCAB_SIZE, vocab.size());
        assertEquals(OptionalInt.of(1), vocab.bos());
        assertEquals(OptionalInt.of(2), vocab.eos());
        assertEquals("<s>", vocab.tokenText(1));
        assertEquals("<s>", vocab.tokenToPiece(1), "special tokens rendered");
        assertTrue(vocab.isEog(2));
        assertFalse(vocab.isEog(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Hello, world!", "Café, straße und Größe", "日本語のテキスト", "emoji 🎉🦙 mixed ✓ text",
            "  leading spaces\nand\ttabs  ", "x"})
    void roundTripsTextThroughTokens(String text) {
        int[] tokens = vocab.tokenize(text, false, false);
        int[] withBos = vocab.tokenize(text, true, false);

        assertEquals(text, vocab.detokenize(tokens, false, false));
        assertEquals(1, withBos[0], "BOS first");
        assertArrayEquals(tokens, Arrays.copyOfRange(withBos, 1, withBos.length));
    }

    @Test
    void piecesConcatenateToTheText() {
        String text = "Größe 日本 🎉";
        int[] tokens = vocab.tokenize(text, false, false);
        var bytes = new ByteArrayOutputStream();
        for (int token : tokens) {
            bytes.writeBytes(vocab.pieceBytes(token, false));
        }
        // SentencePiece adds one leading space, which detokenize strips and raw pieces keep.
        assertEquals(" " + text, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void parsesSpecialTokensOnlyWhenAsked() {
        assertArrayEquals(new int[] {1}, vocab.tokenize("<s>", false, true));
        assertTrue(vocab.tokenize("<s>", false, false).length > 1);
    }

    @Test
    void emptyTextGivesOnlyTheSpecialTokens() {
        assertArrayEquals(new int[0], vocab.tokenize("", false, false));
        assertArrayEquals(new int[] {1}, vocab.tokenize("", true, false));
    }

    @Test
    void longTextGrowsTheBuffer() {
        String text = "abc ".repeat(5000);
        int[] tokens = vocab.tokenize(text, false, false);
        assertTrue(tokens.length >= 5000, "tokens: " + tokens.length);
        assertEquals(text, vocab.detokenize(tokens, false, false));
    }

    @Test
    void rejectsTokensOutsideTheVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> vocab.tokenText(-1));
        assertThrows(IllegalArgumentException.class, () -> vocab.tokenText(TestModels.VOCAB_SIZE));
        assertThrows(IllegalArgumentException.class, () -> vocab.isEog(TestModels.VOCAB_SIZE));
        assertThrows(IllegalArgumentException.class, () -> vocab.pieceBytes(-5, true));
        assertThrows(IllegalArgumentException.class, () -> vocab.detokenize(new int[] {5, 32000}, false, false));
        assertThrows(NullPointerException.class, () -> vocab.tokenize(null, true, false));
    }
}
