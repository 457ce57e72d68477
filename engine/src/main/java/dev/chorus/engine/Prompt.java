package dev.chorus.engine;

import dev.chorus.llama.ChatMessage;

import java.util.List;

/** What a generation continues: text (tokenized with BOS as the model wants), tokens as given, or chat messages. */
public sealed interface Prompt {
    record Text(String text) implements Prompt {
        public Text {
            if (text == null) {
                throw new IllegalArgumentException("prompt text is required");
            }
        }
    }

    record Tokens(int[] tokens) implements Prompt {
        public Tokens {
            if (tokens == null || tokens.length == 0) {
                throw new IllegalArgumentException("a token prompt needs at least one token");
            }
            tokens = tokens.clone();
        }

        @Override
        public int[] tokens() {
            return tokens.clone();
        }
    }

    /** Rendered with the model's chat template, or ChatML when it has none (see {@code ChatTemplates}). */
    record Chat(List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
            if (messages.isEmpty()) {
                throw new IllegalArgumentException("a chat prompt needs at least one message");
            }
        }
    }

    static Prompt text(String text) {
        return new Text(text);
    }

    static Prompt tokens(int... tokens) {
        return new Tokens(tokens);
    }

    static Prompt chat(List<ChatMessage> messages) {
        return new Chat(messages);
    }
}
