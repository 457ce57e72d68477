package dev.chorus.engine.tools;

import dev.chorus.engine.InvalidRequest;
import dev.chorus.engine.Message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a chat history holding tool calls and their results as plain messages every chat template renders
 * (docs/tools.md): an assistant message's calls become its text in the format the model answers in, and a
 * {@code tool} message becomes a {@code user} turn {@code Result of <function> (<tool_call_id>):} followed by the
 * result. A tool message must answer a call made earlier in the history.
 */
public final class ToolTranscript {
    private final List<Message> messages = new ArrayList<>();
    /** tool_call_id → function name, of every call made so far. */
    private final Map<String, String> calls = new HashMap<>();

    /** A message without tools; its role is checked when the prompt is built. */
    public void message(String role, String content) {
        messages.add(new Message(role, content));
    }

    /** An assistant message that called functions, with the text it said before, if any. */
    public void assistantCalls(String content, List<ToolCall> toolCalls) {
        toolCalls.forEach(call -> calls.put(call.id(), call.name()));
        String text = ToolCalling.callText(toolCalls);
        messages.add(new Message("assistant", content.isEmpty() ? text : content + "\n" + text));
    }

    /**
     * A {@code tool} message: the result of the call {@code toolCallId}.
     *
     * @param param the message's field, {@code messages[3]}, for the error
     * @throws InvalidRequest when no earlier assistant message made that call
     */
    public void toolResult(String param, String toolCallId, String content) {
        String function = calls.get(toolCallId);
        if (function == null) {
            throw new InvalidRequest(param + ".tool_call_id", "'" + param + ".tool_call_id' names '" + toolCallId
                    + "', which no earlier assistant message's 'tool_calls' holds.");
        }
        messages.add(new Message("user", "Result of " + function + " (" + toolCallId + "):\n" + content));
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }
}
