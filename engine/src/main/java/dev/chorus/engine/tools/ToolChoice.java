package dev.chorus.engine.tools;

import java.util.Optional;

/**
 * OpenAI's {@code tool_choice}: whether the model may ({@link Mode#AUTO}), may not ({@link Mode#NONE}) or must
 * ({@link Mode#REQUIRED}) call a function, or must call the one named.
 *
 * @param function the function a {@link Mode#NAMED} choice forces; empty otherwise
 */
public record ToolChoice(Mode mode, Optional<String> function) {
    public enum Mode { AUTO, NONE, REQUIRED, NAMED }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, Optional.empty());
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, Optional.empty());
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, Optional.empty());

    public ToolChoice {
        if ((mode == Mode.NAMED) != function.isPresent()) {
            throw new IllegalArgumentException("a function is named exactly when the mode is NAMED");
        }
    }

    public static ToolChoice named(String function) {
        return new ToolChoice(Mode.NAMED, Optional.of(function));
    }

    /** Whether the answer must be a tool call (and is constrained to one). */
    public boolean forcesCall() {
        return mode == Mode.REQUIRED || mode == Mode.NAMED;
    }
}
