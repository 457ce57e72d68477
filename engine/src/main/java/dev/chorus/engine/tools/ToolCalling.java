package dev.chorus.engine.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.InvalidRequest;
import dev.chorus.engine.Message;
import dev.chorus.engine.constraint.JsonSchemaGrammar;
import dev.chorus.engine.constraint.JsonSchemaGrammar.Spacing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The functions of one chat request and how the model may call them. The models' chat templates (llama.cpp's
 * built-ins) know no tools, so Chorus uses one text format for every template (docs/tools.md): a system preamble
 * lists the functions with their JSON Schemas, and a call is the JSON object {@code {"name": …, "arguments": {…}}};
 * with {@code parallel_tool_calls} the answer may also be a JSON array of one to {@link #MAX_PARALLEL_CALLS} of
 * them. When a call is forced ({@code required} or a named function) the answer is constrained by the grammar of
 * exactly that JSON, built from the parameter schemas, so the arguments always parse and match. Under {@code auto}
 * the answer is either such a call or free text, decided by its first non-blank character (a call's opening brace
 * or bracket), after which the grammar holds a call to its schema; {@code none} generates free text.
 *
 * @param parallel OpenAI's {@code parallel_tool_calls}: whether one answer may hold several calls
 */
public record ToolCalling(List<Tool> tools, ToolChoice choice, boolean parallel) {
    /** The most calls one constrained answer may hold; the bound keeps a constrained generation finite. */
    public static final int MAX_PARALLEL_CALLS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /** @throws InvalidRequest for no tools, two tools of one name, or a {@code tool_choice} naming no tool */
    public ToolCalling {
        tools = List.copyOf(tools);
        if (tools.isEmpty()) {
            throw new InvalidRequest("tools", "'tools' must hold at least one function.");
        }
        Set<String> names = new HashSet<>();
        for (Tool tool : tools) {
            if (!names.add(tool.name())) {
                throw new InvalidRequest("tools", "'tools' names the function '" + tool.name() + "' twice.");
            }
        }
        if (choice.function().isPresent() && !names.contains(choice.function().get())) {
            throw new InvalidRequest("tool_choice", "'tool_choice' names the function '" + choice.function().get()
                    + "', which is not in 'tools' " + names.stream().sorted().toList() + ".");
        }
    }

    /** {@code messages} with the preamble that lists the functions, merged into a leading system message. */
    public List<Message> prompt(List<Message> messages) {
        if (choice.mode() == ToolChoice.Mode.NONE) {
            return messages;
        }
        List<Message> prompt = new ArrayList<>(messages);
        if (!prompt.isEmpty() && prompt.getFirst().templateRole().equals("system")) {
            prompt.set(0, new Message("system", prompt.getFirst().content() + "\n\n" + preamble()));
        } else {
            prompt.addFirst(new Message("system", preamble()));
        }
        return prompt;
    }

    /**
     * The GBNF grammar of the answer: calls when one is forced, calls or free text under {@code auto}; empty for
     * {@code none}.
     */
    public Optional<String> grammar() {
        if (choice.mode() == ToolChoice.Mode.NONE) {
            return Optional.empty();
        }
        ArrayNode calls = JSON.createArrayNode();
        for (Tool tool : callable()) {
            ObjectNode call = calls.addObject().put("type", "object").put("additionalProperties", false);
            ObjectNode properties = call.putObject("properties");
            properties.putObject("name").put("const", tool.name());
            properties.set("arguments", tool.parameters());
            call.putArray("required").add("name").add("arguments");
        }
        JsonNode one = calls.size() == 1 ? calls.get(0) : JSON.createObjectNode().set("anyOf", calls);
        // As the preamble says: with parallel calls the answer is one call or an array of them.
        JsonNode answer = one;
        if (parallel) {
            ObjectNode several = JSON.createObjectNode().put("type", "array").put("minItems", 1)
                    .put("maxItems", MAX_PARALLEL_CALLS).set("items", one);
            answer = JSON.createObjectNode().set("anyOf", JSON.createArrayNode().add(one).add(several));
        }
        // The calls are parsed and re-serialised, never shown as written: their layout would only cost tokens.
        return Optional.of(choice.forcesCall() ? JsonSchemaGrammar.toGbnf(answer, "tools", Spacing.COMPACT)
                : JsonSchemaGrammar.toGbnfOrText(answer, "tools", Spacing.COMPACT));
    }

    /** This calling with another choice; the prompt's preamble is the caller's to keep or rebuild. */
    public ToolCalling withChoice(ToolChoice other) {
        return new ToolCalling(tools, other, parallel);
    }

    /**
     * What an answer that begins with {@code text} is, under {@link #grammar()}: calls once its first non-blank
     * character opens a JSON object or array (always, when a call is forced; never under {@code none}), text once it
     * is another character, undecided while it is blank. An answer that ends undecided is text.
     */
    public AnswerStart start(CharSequence text) {
        if (choice.mode() == ToolChoice.Mode.NONE) {
            return AnswerStart.TEXT;
        } else if (choice.forcesCall()) {
            return AnswerStart.CALLS;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == '{' || c == '[' ? AnswerStart.CALLS : AnswerStart.TEXT;
            }
        }
        return AnswerStart.UNDECIDED;
    }

    /** See {@link #start}. */
    public enum AnswerStart { UNDECIDED, CALLS, TEXT }

    /**
     * The calls of an answer generated under {@link #grammar()}; empty when the text is no complete call (free text,
     * or a call cut short by {@code max_tokens}), which is then returned as text.
     */
    public Optional<List<ToolCall>> parse(String text, RandomGenerator random) {
        JsonNode answer;
        try {
            answer = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        List<JsonNode> objects = new ArrayList<>();
        if (answer != null && answer.isArray()) {
            answer.forEach(objects::add);
        } else if (answer != null) {
            objects.add(answer);
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : objects) {
            if (!call.path("name").isTextual() || !call.path("arguments").isObject()) {
                return Optional.empty();
            }
            calls.add(new ToolCall(newId(random), call.get("name").textValue(), call.get("arguments").toString()));
        }
        return calls.isEmpty() ? Optional.empty() : Optional.of(calls);
    }

    /** The text of an assistant's calls, as the model is asked to write them. */
    static String callText(List<ToolCall> calls) {
        ArrayNode array = JSON.createArrayNode();
        for (ToolCall call : calls) {
            ObjectNode object = array.addObject().put("name", call.name());
            try {
                object.set("arguments", JSON.readTree(call.arguments()));
            } catch (JsonProcessingException e) {
                object.put("arguments", call.arguments());
            }
        }
        return (array.size() == 1 ? array.get(0) : array).toString();
    }

    private List<Tool> callable() {
        return choice.function().map(name -> tools.stream().filter(tool -> tool.name().equals(name)).toList())
                .orElse(tools);
    }

    private String preamble() {
        StringBuilder text = new StringBuilder("You can call functions. To call one, answer with only the JSON object"
                + " {\"name\": <function name>, \"arguments\": <its arguments as a JSON object>}");
        text.append(parallel ? ", or a JSON array of such objects to call several.\n" : ".\n");
        text.append(choice.forcesCall() ? "You must call a function now.\n" : "Otherwise answer in plain text.\n");
        text.append("Functions:");
        for (Tool tool : callable()) {
            ObjectNode line = JSON.createObjectNode().put("name", tool.name());
            if (!tool.description().isEmpty()) {
                line.put("description", tool.description());
            }
            line.set("parameters", tool.parameters());
            text.append('\n').append(line);
        }
        return text.toString();
    }

    private static String newId(RandomGenerator random) {
        StringBuilder id = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) {
            id.append(ID_LETTERS.charAt(random.nextInt(ID_LETTERS.length())));
        }
        return id.toString();
    }
}
