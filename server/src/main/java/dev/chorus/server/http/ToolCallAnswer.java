package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.tools.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A chat answer of tool calls, in OpenAI's shape: {@code message.tool_calls} with {@code content: null}
 * and {@code finish_reason: "tool_calls"}; streamed, per call a delta with its index, id, type and name, then its
 * {@code function.arguments} in pieces. The calls are parsed once the answer is complete (its text is JSON only
 * then), so a stream sends them at its end. An answer cut short before its calls are complete stays text.
 */
final class ToolCallAnswer {
    /** Characters of {@code function.arguments} per streamed delta. */
    static final int ARGUMENT_PIECE = 16;

    private ToolCallAnswer() {
    }

    /** The calls of an answer's text under the tools' grammar; empty when the text is no complete call. */
    static Optional<List<ToolCall>> calls(CompletionRequest request, String text) {
        return request.tools().flatMap(tools -> tools.parse(text, ThreadLocalRandom.current()));
    }

    /** Turns a finished chat choice into one carrying {@code calls}. */
    static ObjectNode choice(ObjectNode choice, List<ToolCall> calls) {
        ObjectNode message = (ObjectNode) choice.get("message");
        message.putNull("content");
        ArrayNode array = message.putArray("tool_calls");
        for (ToolCall call : calls) {
            ObjectNode entry = array.addObject().put("id", call.id()).put("type", "function");
            entry.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }
        choice.put("finish_reason", "tool_calls");
        return choice;
    }

    /** The streamed choices of {@code calls}: for each its opening delta, then its arguments in pieces. */
    static List<ObjectNode> deltas(int choiceIndex, List<ToolCall> calls) {
        List<ObjectNode> deltas = new ArrayList<>();
        for (int index = 0; index < calls.size(); index++) {
            ToolCall call = calls.get(index);
            ObjectNode opening = Json.object().put("index", index).put("id", call.id()).put("type", "function");
            opening.putObject("function").put("name", call.name()).put("arguments", "");
            deltas.add(deltaChoice(choiceIndex, opening));
            String arguments = call.arguments();
            for (int start = 0; start < arguments.length(); start += ARGUMENT_PIECE) {
                ObjectNode piece = Json.object().put("index", index);
                piece.putObject("function").put("arguments",
                        arguments.substring(start, Math.min(arguments.length(), start + ARGUMENT_PIECE)));
                deltas.add(deltaChoice(choiceIndex, piece));
            }
        }
        return deltas;
    }

    /** The closing chunk's choice of a stream that sent calls. */
    static ObjectNode closing(int choiceIndex) {
        ObjectNode choice = Json.object().put("index", choiceIndex);
        choice.putObject("delta");
        choice.putNull("logprobs");
        choice.put("finish_reason", "tool_calls");
        return choice;
    }

    private static ObjectNode deltaChoice(int choiceIndex, ObjectNode toolCall) {
        ObjectNode choice = Json.object().put("index", choiceIndex);
        choice.putObject("delta").putArray("tool_calls").add(toolCall);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return choice;
    }
}
