package dev.chorus.engine;

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

    /**
     * Rendered with the model's chat template, or ChatML when it has none (see {@code ChatTemplates}).
     *
     * @throws InvalidRequest for no messages, or a role outside {@link Message#ROLES}
     */
    record Chat(List<Message> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
            if (messages.isEmpty()) {
                throw new InvalidRequest("messages", "'messages' must hold at least one message.");
            }
            for (int i = 0; i < messages.size(); i++) {
                String role = messages.get(i).role();
                if (!Message.ROLES.contains(role)) {
                    String param = "messages[" + i + "].role";
                    throw new InvalidRequest(param, "'" + param + "' must be one of " + Message.ROLES + ", got '" + role
                            + "'.");
                }
            }
        }
    }

    static Prompt text(String text) {
        return new Text(text);
    }

    static Prompt tokens(int... tokens) {
        return new Tokens(tokens);
    }

    static Prompt chat(List<Message> messages) {
        return new Chat(messages);
    }
}
