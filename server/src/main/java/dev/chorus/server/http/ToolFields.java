package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.chorus.engine.tools.Tool;
import dev.chorus.engine.tools.ToolCall;
import dev.chorus.engine.tools.ToolCalling;
import dev.chorus.engine.tools.ToolChoice;
import dev.chorus.engine.tools.ToolTranscript;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OpenAI's tool-calling fields translated into the engine's {@link ToolCalling}: {@code tools},
 * {@code tool_choice} and {@code parallel_tool_calls} of a request, and the {@code tool_calls} and {@code tool}
 * messages of its history. The engine checks the rules (names, schemas, which call a result answers).
 */
final class ToolFields {
    private ToolFields() {
    }

    /** The request's tools; empty when it sends none (then {@code tool_choice} and parallel calls are refused). */
    static Optional<ToolCalling> parse(RequestFields fields) throws ApiException {
        Optional<ArrayNode> array = fields.array("tools").filter(tools -> !tools.isEmpty());
        if (array.isEmpty()) {
            for (String needsTools : List.of("tool_choice", "parallel_tool_calls")) {
                if (fields.present(needsTools) != null) {
                    throw ApiException.invalidValue(needsTools, "'" + needsTools
                            + "' is only allowed when 'tools' are specified.");
                }
            }
            return Optional.empty();
        }
        List<Tool> tools = new ArrayList<>();
        for (int i = 0; i < array.get().size(); i++) {
            RequestFields tool = RequestFields.element(array.get(), "tools", i);
            requireFunctionType(tool);
            RequestFields function = tool.object("function").orElseThrow(() -> ApiException.missing(
                    tool.path("function")));
            function.bool("strict");
            Optional<JsonNode> parameters = Optional.ofNullable(function.present("parameters"));
            tools.add(Tool.of("tools[" + i + "]", function.requiredString("name"), function.string("description"),
                    parameters));
        }
        boolean parallel = fields.bool("parallel_tool_calls").orElse(true);
        return Optional.of(new ToolCalling(tools, choice(fields), parallel));
    }

    /**
     * Adds a chat message that is a tool result or an assistant's calls; false for any other message.
     *
     * @param param the message's field, {@code messages[3]}
     */
    static boolean addToolMessage(ToolTranscript transcript, String param, RequestFields message, String role,
                                  Optional<String> content) throws ApiException {
        if (role.equals("tool")) {
            transcript.toolResult(param, message.requiredString("tool_call_id"),
                    content.orElseThrow(() -> ApiException.missing(message.path("content"))));
            return true;
        }
        Optional<ArrayNode> toolCalls = message.array("tool_calls").filter(calls -> !calls.isEmpty());
        if (!role.equals("assistant") || toolCalls.isEmpty()) {
            return false;
        }
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < toolCalls.get().size(); i++) {
            RequestFields call = RequestFields.element(toolCalls.get(), message.path("tool_calls"), i);
            requireFunctionType(call);
            RequestFields function = call.object("function").orElseThrow(() -> ApiException.missing(
                    call.path("function")));
            calls.add(new ToolCall(call.requiredString("id"), function.requiredString("name"),
                    function.requiredString("arguments")));
        }
        transcript.assistantCalls(content.orElse(""), calls);
        return true;
    }

    private static ToolChoice choice(RequestFields fields) throws ApiException {
        JsonNode node = fields.present("tool_choice");
        if (node == null) {
            return ToolChoice.AUTO;
        }
        if (node.isTextual()) {
            return switch (node.textValue()) {
                case "auto" -> ToolChoice.AUTO;
                case "none" -> ToolChoice.NONE;
                case "required" -> ToolChoice.REQUIRED;
                default -> throw ApiException.invalidValue("tool_choice", "'tool_choice' must be 'auto', 'none',"
                        + " 'required' or {\"type\": \"function\", \"function\": {\"name\": …}}, got '"
                        + ApiException.echo(node.textValue()) + "'.");
            };
        }
        RequestFields named = fields.object("tool_choice").orElseThrow();
        requireFunctionType(named);
        RequestFields function = named.object("function").orElseThrow(() -> ApiException.missing(
                named.path("function")));
        return ToolChoice.named(function.requiredString("name"));
    }

    private static void requireFunctionType(RequestFields object) throws ApiException {
        String type = object.requiredString("type");
        if (!type.equals("function")) {
            throw ApiException.invalidValue(object.path("type"), "'" + object.path("type")
                    + "' must be 'function', got '" + ApiException.echo(type) + "'.");
        }
    }
}
