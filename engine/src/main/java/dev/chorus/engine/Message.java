package dev.chorus.engine;

import java.util.Set;

/**
 * One message of a chat prompt, e.g. {@code ("user", "Hello")}. The roles are those a chat template renders;
 * {@code developer} is OpenAI's newer name for {@code system}, rendered as such.
 */
public record Message(String role, String content) {
    /** The roles a chat prompt may use (tool messages would need tool calls, which are not served). */
    public static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    public Message {
        if (role == null || content == null) {
            throw new IllegalArgumentException("a message needs a role and content");
        }
    }

    /** The role a chat template knows: {@code developer} becomes {@code system}. */
    public String templateRole() {
        return role.equals("developer") ? "system" : role;
    }
}
