package dev.chorus.engine.constraint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.engine.InvalidRequest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates a JSON Schema into a GBNF grammar for llama.cpp's grammar engine: the subset OpenAI's structured outputs
 * accept (objects with {@code properties}, {@code required} and {@code additionalProperties: false}, arrays with
 * {@code items}, {@code minItems}, {@code maxItems}, strings with {@code enum}, {@code const}, {@code minLength},
 * {@code maxLength} and the formats {@code date}, {@code time}, {@code date-time} and {@code uuid}, numbers,
 * integers with {@code minimum}, {@code maximum} and their exclusive forms ({@link IntegerRange}), booleans, null,
 * type unions, {@code anyOf}/{@code oneOf}, {@code $ref} into {@code $defs} or {@code definitions}, recursion
 * included). Annotations ({@code title}, {@code description}, {@code default},
 * {@code examples}, {@code $schema}, {@code $id}, {@code $comment}) are ignored; any other keyword is refused with an
 * {@link InvalidRequest} naming it, never silently dropped. An object holds only its listed properties, so
 * {@code "properties": {}} is the empty object; without {@code properties} (or with {@code additionalProperties:
 * true} and none listed) it is any object. Properties come out in the schema's order, required or
 * not; numbers have at most 16 digits per part, whitespace between tokens at most a newline and 20 indents, so that a
 * constrained generation always ends.
 */
public final class JsonSchemaGrammar {

    /** The deepest schema nesting translated: beyond it the schema is refused (it would be a grammar nobody needs). */
    static final int MAX_DEPTH = 64;

    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema",
            "$id", "$comment", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> SUPPORTED = Set.of("type", "properties", "required", "additionalProperties",
            "items", "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "$defs",
            "definitions", "format", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "pattern");
    /** JavaScript's safe-integer bounds, which zod and others emit for every integer: no constraint at all. */
    private static final double SAFE_INTEGER = 9007199254740991d;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The rules every grammar may use; {@code ws} comes with the {@link Spacing}. */
    private static final String PRIMITIVES = """
            boolean ::= "true" | "false"
            null ::= "null"
            char ::= [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})
            string ::= "\\"" char* "\\""
            integer ::= "-"? ([0-9] | [1-9] [0-9]{0,15})
            natural ::= [0-9] | [1-9] [0-9]{0,15}
            number ::= integer ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,16})?
            value ::= object | array | string | number | boolean | null
            object ::= "{" ws (string ws ":" ws value ws ("," ws string ws ":" ws value ws)*)? "}"
            array ::= "[" ws (value ws ("," ws value ws)*)? "]"
            digit2 ::= [0-9]{2}
            date ::= [0-9]{4} "-" ("0" [1-9] | "1" [0-2]) "-" ("0" [1-9] | [12] [0-9] | "3" [01])
            time ::= ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{1,6})? ("Z" | [+-] digit2 ":" digit2)
            hex4 ::= [0-9a-fA-F]{4}
            uuid ::= hex4 hex4 "-" hex4 "-" hex4 "-" hex4 "-" hex4 hex4 hex4
            """;

    /** Where a document may put blanks between its tokens. */
    public enum Spacing {
        /** As llama.cpp's {@code json_schema_to_grammar}: a space, or a newline and up to 20 blanks of indentation. */
        FREE("ws ::= | \" \" | \"\\n\" [ \\t]{0,20}"),
        /**
         * At most one space: for documents that are parsed rather than shown (tool calls), so a small model does not
         * spend its tokens on layout.
         */
        COMPACT("ws ::= | \" \"");

        private final String rule;

        Spacing(String rule) {
            this.rule = rule;
        }
    }

    private final JsonNode document;
    private final String param;
    private final Spacing spacing;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Map<String, String> references = new LinkedHashMap<>();

    private JsonSchemaGrammar(JsonNode document, String param, Spacing spacing) {
        this.document = document;
        this.param = param;
        this.spacing = spacing;
    }

    /**
     * The GBNF grammar (start symbol {@code root}) of the JSON documents {@code schema} accepts.
     *
     * @param param the request field the schema came in, for error messages ({@code response_format.json_schema.schema})
     * @throws InvalidRequest naming the first unsupported keyword or malformed part
     */
    public static String toGbnf(JsonNode schema, String param) {
        return toGbnf(schema, param, Spacing.FREE);
    }

    /** {@link #toGbnf(JsonNode, String)} with blanks between tokens as {@code spacing} allows. */
    public static String toGbnf(JsonNode schema, String param, Spacing spacing) {
        JsonSchemaGrammar grammar = new JsonSchemaGrammar(schema, param, spacing);
        return grammar.text(grammar.visit(schema, "root", param, 0));
    }

    /**
     * The GBNF grammar of either a JSON document {@code schema} accepts or free text, told apart by the first
     * character after at most 20 leading blanks: an opening brace or bracket starts a document, which must then be
     * complete; anything else starts text, which is not constrained further. An empty answer is allowed.
     *
     * @param param   the request field the schema came in, for error messages
     * @param spacing blanks allowed between the document's tokens
     * @throws InvalidRequest naming the first unsupported keyword or malformed part
     */
    public static String toGbnfOrText(JsonNode schema, String param, Spacing spacing) {
        JsonSchemaGrammar grammar = new JsonSchemaGrammar(schema, param, spacing);
        String document = grammar.visit(schema, "root", param, 0);
        String text = grammar.rule("free-text", "[^{[ \\t\\n\\x00] [^\\x00]*");
        return grammar.text("[ \\t\\n]{0,20} (" + document + " | " + text + ")?");
    }

    /** The grammar of any JSON object: {@code response_format: {"type": "json_object"}}. */
    public static String anyObject() {
        return "root ::= object\n" + Spacing.FREE.rule + "\n" + PRIMITIVES;
    }

    /** The grammar text: the start rule {@code root ::= rootBody}, the rules it needs, the primitives. */
    private String text(String rootBody) {
        StringBuilder text = new StringBuilder("root ::= ").append(rootBody).append('\n');
        rules.forEach((name, body) -> text.append(name).append(" ::= ").append(body).append('\n'));
        return text.append(spacing.rule).append('\n').append(PRIMITIVES).toString();
    }

    /** Returns a GBNF expression for {@code schema}, adding the rules it needs; {@code name} seeds rule names. */
    private String visit(JsonNode schema, String name, String where, int depth) {
        if (depth > MAX_DEPTH) {
            throw refuse(where, "nests deeper than " + MAX_DEPTH + " levels");
        }
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                throw refuse(where, "is false, which no value matches");
            }
            return "value";
        }
        if (!schema.isObject()) {
            throw refuse(where, "must be an object or a boolean");
        }
        checkKeywords(schema, where);
        if (schema.has("$ref")) {
            return reference(schema.get("$ref"), where);
        }
        if (schema.has("const")) {
            return literal(schema.get("const"));
        }
        if (schema.has("enum")) {
            JsonNode values = schema.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw refuse(where + ".enum", "must be a non-empty array");
            }
            List<String> literals = new ArrayList<>();
            values.forEach(value -> literals.add(literal(value)));
            return "(" + String.join(" | ", literals) + ")";
        }
        for (String union : new String[] {"anyOf", "oneOf"}) {
            if (schema.has(union)) {
                return alternatives(schema.get(union), name, where + "." + union, depth);
            }
        }
        if (schema.has("allOf")) {
            JsonNode all = schema.get("allOf");
            if (!all.isArray() || all.size() != 1) {
                throw refuse(where + ".allOf", "with more than one schema is not supported");
            }
            return visit(all.get(0), name, where + ".allOf[0]", depth + 1);
        }
        JsonNode type = schema.get("type");
        if (type == null) {
            if (schema.has("properties")) {
                return object(schema, name, where, depth);
            }
            if (schema.has("items")) {
                return array(schema, name, where, depth);
            }
            return "value";
        }
        if (type.isArray()) {
            List<String> choices = new ArrayList<>();
            for (JsonNode each : type) {
                choices.add(typed(schema, each, name, where, depth));
            }
            if (choices.isEmpty()) {
                throw refuse(where + ".type", "must name at least one type");
            }
            return "(" + String.join(" | ", choices) + ")";
        }
        return typed(schema, type, name, where, depth);
    }

    private String typed(JsonNode schema, JsonNode type, String name, String where, int depth) {
        return switch (type.asText()) {
            case "object" -> object(schema, name, where, depth);
            case "array" -> array(schema, name, where, depth);
            case "string" -> string(schema, where);
            case "integer" -> number(schema, where, true);
            case "number" -> number(schema, where, false);
            case "boolean" -> "boolean";
            case "null" -> "null";
            default -> throw refuse(where + ".type", "names an unknown type " + cut(type.toString()));
        };
    }

    private String object(JsonNode schema, String name, String where, int depth) {
        JsonNode additional = schema.get("additionalProperties");
        JsonNode properties = schema.get("properties");
        if (properties == null || properties.isEmpty()) {
            if (additional != null && !(additional.isBoolean())) {
                throw refuse(where + ".additionalProperties", "as a schema is not supported (use properties)");
            }
            // Listed properties close the object below, and so does an empty list: {"properties": {}} is how
            // OpenAI's docs, LangChain4j and pydantic write "no arguments". Without the key it is any object.
            boolean open = additional == null ? properties == null : additional.booleanValue();
            return open ? "object" : "\"{\" ws \"}\"";
        }
        if (!properties.isObject()) {
            throw refuse(where + ".properties", "must be an object");
        }
        if (additional != null && !(additional.isBoolean() && !additional.booleanValue())) {
            throw refuse(where + ".additionalProperties", "other than false is not supported next to properties");
        }
        Set<String> required = new HashSet<>();
        JsonNode listed = schema.get("required");
        if (listed != null) {
            if (!listed.isArray()) {
                throw refuse(where + ".required", "must be an array of property names");
            }
            listed.forEach(each -> required.add(each.asText()));
        }
        List<String> mandatory = new ArrayList<>();
        List<String> optional = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            String key = property.getKey();
            String value = visit(property.getValue(), name + "-" + ruleName(key), where + ".properties." + key,
                    depth + 1);
            String pair = literal(JSON.getNodeFactory().textNode(key)) + " ws \":\" ws " + value;
            (required.contains(key) ? mandatory : optional).add(pair);
        }
        for (String key : required) {
            if (!properties.has(key)) {
                throw refuse(where + ".required", "names '" + key + "', which is not among the properties");
            }
        }
        String body;
        if (optional.isEmpty()) {
            body = String.join(" ws \",\" ws ", mandatory);
        } else {
            String tail = optionalTail(name, optional);
            body = mandatory.isEmpty() ? "(" + tail + ")?"
                    : String.join(" ws \",\" ws ", mandatory) + " (ws \",\" ws " + tail + ")?";
        }
        return rule(name, "\"{\" ws " + body + " ws \"}\"");
    }

    /** A rule matching any non-empty, in-order subset of {@code pairs}, comma-separated. */
    private String optionalTail(String name, List<String> pairs) {
        String next = null;
        for (int i = pairs.size() - 1; i >= 0; i--) {
            String here = next == null ? pairs.get(i)
                    : pairs.get(i) + " (ws \",\" ws " + next + ")? | " + next;
            next = rule(name + "-rest" + i, here);
        }
        return next;
    }

    private String array(JsonNode schema, String name, String where, int depth) {
        JsonNode items = schema.get("items");
        String item = items == null ? "value" : visit(items, name + "-item", where + ".items", depth + 1);
        int min = count(schema, "minItems", where, 0);
        int max = count(schema, "maxItems", where, -1);
        if (max >= 0 && max < min) {
            throw refuse(where + ".maxItems", "is below minItems");
        }
        String element = rule(name + "-element", item + " ws");
        String list;
        if (max == 0) {
            list = "";
        } else {
            String more = max < 0 ? "(\",\" ws " + element + ")*"
                    : "(\",\" ws " + element + "){" + Math.max(0, min - 1) + "," + (max - 1) + "}";
            if (max < 0 && min > 1) {
                more = "(\",\" ws " + element + "){" + (min - 1) + ",}";
            }
            list = min == 0 ? "(" + element + " " + more + ")?" : element + " " + more;
        }
        return rule(name, "\"[\" ws " + list + " \"]\"");
    }

    private String string(JsonNode schema, String where) {
        if (schema.has("pattern")) {
            throw refuse(where + ".pattern", "is not supported (use enum or a format)");
        }
        if (schema.has("format")) {
            String format = schema.get("format").asText();
            return switch (format) {
                case "date", "time", "uuid" -> "\"\\\"\" " + format + " \"\\\"\"";
                case "date-time" -> "\"\\\"\" date \"T\" time \"\\\"\"";
                default -> throw refuse(where + ".format", "'" + format + "' is not supported (date, time, date-time, uuid are)");
            };
        }
        int min = count(schema, "minLength", where, 0);
        int max = count(schema, "maxLength", where, -1);
        if (min == 0 && max < 0) {
            return "string";
        }
        if (max >= 0 && max < min) {
            throw refuse(where + ".maxLength", "is below minLength");
        }
        return "\"\\\"\" char{" + min + "," + (max < 0 ? "" : Integer.toString(max)) + "} \"\\\"\"";
    }

    private String number(JsonNode schema, String where, boolean integer) {
        if (schema.has("multipleOf")) {
            throw refuse(where + ".multipleOf", "is not supported");
        }
        long low = -IntegerRange.LIMIT;
        long high = IntegerRange.LIMIT;
        boolean bounded = false;
        for (String keyword : new String[] {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}) {
            JsonNode bound = schema.get(keyword);
            boolean lower = keyword.endsWith("inimum");
            if (bound == null || bound.isNumber() && (lower ? bound.asDouble() <= -SAFE_INTEGER
                    : bound.asDouble() >= SAFE_INTEGER)) {
                continue; // absent, or JavaScript's safe-integer bound (zod emits it for every number): open
            }
            if (!integer) {
                throw refuse(where + "." + keyword, "is not supported on numbers (it is on integers)");
            }
            if (!bound.isNumber()) {
                throw refuse(where + "." + keyword, "must be a number");
            }
            double value = bound.asDouble();
            boolean exclusive = keyword.startsWith("exclusive");
            // The nearest integer inside the bound, kept within one past the digits an integer may have.
            double edge = lower ? (exclusive ? Math.floor(value) + 1 : Math.ceil(value))
                    : (exclusive ? Math.ceil(value) - 1 : Math.floor(value));
            if (lower) {
                low = Math.max(low, (long) Math.min(edge, IntegerRange.LIMIT + 1d));
            } else {
                high = Math.min(high, (long) Math.max(edge, -IntegerRange.LIMIT - 1d));
            }
            bounded = true;
        }
        if (low > high) {
            throw refuse(where, "allows no integer of at most " + IntegerRange.MAX_DIGITS + " digits");
        }
        if (!bounded) {
            return integer ? "integer" : "number";
        }
        return low == 0 && high == IntegerRange.LIMIT ? "natural" : IntegerRange.of(low, high);
    }

    private String alternatives(JsonNode options, String name, String where, int depth) {
        if (!options.isArray() || options.isEmpty()) {
            throw refuse(where, "must be a non-empty array");
        }
        List<String> choices = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            choices.add(visit(options.get(i), name + "-" + i, where + "[" + i + "]", depth + 1));
        }
        return "(" + String.join(" | ", choices) + ")";
    }

    /** A rule for {@code "#/$defs/name"} or {@code "#/definitions/name"}, translated once (recursion allowed). */
    private String reference(JsonNode ref, String where) {
        String path = ref.asText();
        String[] parts = path.split("/");
        if (parts.length != 3 || !parts[0].equals("#") || !(parts[1].equals("$defs") || parts[1].equals("definitions"))) {
            throw refuse(where + ".$ref", "'" + cut(path) + "' must point into #/$defs or #/definitions");
        }
        String known = references.get(path);
        if (known != null) {
            return known;
        }
        JsonNode target = document.path(parts[1]).get(parts[2]);
        if (target == null) {
            throw refuse(where + ".$ref", "'" + cut(path) + "' names no definition");
        }
        String name = uniqueName("ref-" + ruleName(parts[2]));
        references.put(path, name);
        rules.put(name, "");
        rules.put(name, visit(target, name, param + "." + parts[1] + "." + parts[2], 1));
        return name;
    }

    private void checkKeywords(JsonNode schema, String where) {
        for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
            String keyword = names.next();
            if (!ANNOTATIONS.contains(keyword) && !SUPPORTED.contains(keyword)) {
                throw refuse(where, "uses the keyword '" + cut(keyword) + "', which constrained decoding does "
                        + "not support");
            }
        }
    }

    private int count(JsonNode schema, String keyword, String where, int absent) {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return absent;
        }
        if (!value.canConvertToInt() || value.asInt() < 0 || value.asInt() > 10_000) {
            throw refuse(where + "." + keyword, "must be an integer from 0 to 10000");
        }
        return value.asInt();
    }

    /** Adds a rule under a fresh name derived from {@code name}; returns the name. */
    private String rule(String name, String body) {
        String unique = uniqueName(name);
        rules.put(unique, body);
        return unique;
    }

    /** {@code name}, or {@code name-2}, {@code name-3} … when taken; {@code root} itself is the start rule. */
    private String uniqueName(String name) {
        String unique = name.equals("root") ? "root-value" : name;
        for (int n = 2; rules.containsKey(unique); n++) {
            unique = name + "-" + n;
        }
        return unique;
    }

    /** A GBNF rule name: letters, digits and dashes. */
    private static String ruleName(String key) {
        String cleaned = key.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "");
        return cleaned.isEmpty() ? "p" : cleaned.length() > 32 ? cleaned.substring(0, 32) : cleaned;
    }

    /** A GBNF string literal matching exactly the JSON serialisation of {@code value}. */
    private static String literal(JsonNode value) {
        String json;
        try {
            json = JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder gbnf = new StringBuilder("\"");
        json.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> gbnf.append("\\\"");
                case '\\' -> gbnf.append("\\\\");
                case '\n' -> gbnf.append("\\n");
                case '\r' -> gbnf.append("\\r");
                case '\t' -> gbnf.append("\\t");
                default -> gbnf.appendCodePoint(c);
            }
        });
        return gbnf.append('"').toString();
    }

    private InvalidRequest refuse(String where, String why) {
        return new InvalidRequest(param, "'" + where + "' " + why + ".");
    }

    /** Text echoed in a message, cut to 64 characters. */
    private static String cut(String text) {
        return text.length() > 64 ? text.substring(0, 64) + "…" : text;
    }
}
