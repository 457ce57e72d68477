package dev.chorus.llama;

/** One message of a chat, e.g. {@code ("user", "Hello")}. */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("role must be named");
        }
        if (content == null) {
            throw new IllegalArgumentException("content must not be null");
        }
    }
}
