package dev.chorus.engine;

import dev.chorus.llama.Vocab;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Token id → piece bytes, fetched from llama.cpp once per token and cached. Special tokens render as nothing
 * (control tokens are not text). Thread-safe: two threads asking at once for a new token both fetch the same bytes.
 */
final class TokenPieces {
    private final Vocab vocab;
    private final AtomicReferenceArray<byte[]> pieces;

    TokenPieces(Vocab vocab) {
        this.vocab = vocab;
        this.pieces = new AtomicReferenceArray<>(vocab.size());
    }

    /** @throws IllegalArgumentException for a token outside the vocabulary */
    byte[] bytes(int token) {
        if (token < 0 || token >= pieces.length()) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + pieces.length());
        }
        byte[] piece = pieces.get(token);
        if (piece == null) {
            piece = vocab.pieceBytes(token, false);
            pieces.set(token, piece);
        }
        return piece;
    }

    /** A token's own text, for top log-probabilities; a partial UTF-8 piece shows as U+FFFD. */
    String text(int token) {
        return new String(bytes(token), StandardCharsets.UTF_8);
    }
}
