package dev.chorus.engine.tools;

import java.util.Objects;

/**
 * One function call of an assistant message.
 *
 * @param id        {@code call_…}, what the tool message answering it names as {@code tool_call_id}
 * @param name      the function called
 * @param arguments its arguments, a JSON object as compact text (OpenAI's {@code function.arguments})
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
