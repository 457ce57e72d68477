package dev.chorus.engine;

import dev.chorus.llama.Vocab;

import java.nio.charset.StandardCharsets;

/**
 * Token id → piece bytes, fetched from llama.cpp once per token and cached. Special tokens render as nothing
 * (control tokens are not text). Used by one scheduler thread only.
 */
final class TokenPieces {
    private final Vocab vocab;
    private final byte[][] pieces;

    TokenPieces(Vocab vocab) {
        this.vocab = vocab;
        this.pieces = new byte[vocab.size()][];
    }

    byte[] bytes(int token) {
        byte[] piece = pieces[token];
        if (piece == null) {
            piece = vocab.pieceBytes(token, false);
            pieces[token] = piece;
        }
        return piece;
    }

    /** A token's own text, for top log-probabilities; a partial UTF-8 piece shows as U+FFFD. */
    String text(int token) {
        return new String(bytes(token), StandardCharsets.UTF_8);
    }
}
