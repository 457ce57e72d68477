package dev.chorus.engine;

import java.util.Objects;

/** One input of an embedding request: text (tokenized as llama-server does, BOS added, special tokens parsed) or token ids as given. */
public sealed interface EmbeddingInput {
    record Text(String text) implements EmbeddingInput {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    record Tokens(int[] tokens) implements EmbeddingInput {
        public Tokens {
            tokens = tokens.clone();
        }

        @Override
        public int[] tokens() {
            return tokens.clone();
        }
    }

    static EmbeddingInput text(String text) {
        return new Text(text);
    }

    static EmbeddingInput tokens(int... tokens) {
        return new Tokens(tokens);
    }
}
