package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every request field with a value of the wrong JSON type, out of range, or missing: 400 with {@code param} naming
 * the field, for both completion endpoints of a real server. Each case changes one field of a valid body, which
 * is first shown to succeed.
 */
@Timeout(120)
class RequestValidationTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String TEXT = "/v1/completions";
    private static final String VALID_CHAT = """
            {"model": "pair", "messages": [{"role": "user", "content": "Blessed are"}], "max_tokens": 2,
             "temperature": 0}""";
    private static final String VALID_TEXT = """
            {"model": "pair", "prompt": "Blessed are", "max_tokens": 2, "temperature": 0}""";
    private static ServedEngine served;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: 64, slots: 2 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 64, slots: 2 }
                collaborations:
                  pair: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                  sharp: { kind: contrastive, expert: kjv, amateur: pydocs, lambda: 0.5, alpha: 0.1 }
                """, ServedEngine.loopback());
        http = new HttpProbe(served.server());
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void theValidBodiesSucceed() {
        assertEquals(200, http.post(CHAT, VALID_CHAT).statusCode());
        assertEquals(200, http.post(TEXT, VALID_TEXT).statusCode());
    }

    @ParameterizedTest(name = "{0} {1} = {3}")
    @CsvSource(delimiter = '|', textBlock = """
            chat | model                         | /model                       | 42
            chat | messages                      | /messages                    | "hello"
            chat | messages[0]                   | /messages/0                  | "hello"
            chat | messages[0].role              | /messages/0/role             | 1
            chat | messages[0].content           | /messages/0/content          | 5
            chat | messages[0].content[0]        | /messages/0/content          | ["text"]
            chat | messages[0].content[0].text   | /messages/0/content          | [{"type": "text", "text": 3}]
            chat | messages[0].name              | /messages/0/name             | true
            chat | temperature                   | /temperature                 | "hot"
            chat | top_p                         | /top_p                       | true
            chat | max_tokens                    | /max_tokens                  | 1.5
            chat | max_completion_tokens         | /max_completion_tokens       | "9"
            chat | stop                          | /stop                        | 7
            chat | stop[1]                       | /stop                        | ["a", 3]
            chat | seed                          | /seed                        | "s"
            chat | n                             | /n                           | "2"
            chat | presence_penalty              | /presence_penalty            | "x"
            chat | frequency_penalty             | /frequency_penalty           | []
            chat | logprobs                      | /logprobs                    | "yes"
            chat | top_logprobs                  | /top_logprobs                | 1.5
            chat | user                          | /user                        | 5
            chat | top_k                         | /top_k                       | 0.5
            chat | min_p                         | /min_p                       | "x"
            chat | repeat_penalty                | /repeat_penalty              | {}
            chat | stream                        | /stream                      | "true"
            chat | stream_options                | /stream_options              | true
            chat | stream_options.include_usage  | /stream_options              | {"include_usage": "x"}
            chat | response_format               | /response_format             | "json"
            chat | chorus                        | /chorus                      | 1
            chat | chorus.weights                | /chorus                      | {"weights": "x"}
            chat | chorus.weights[1]             | /chorus                      | {"weights": [1, "x"]}
            chat | chorus.method                 | /chorus                      | {"method": 1}
            chat | chorus.lambda                 | /chorus                      | {"lambda": "x"}
            chat | chorus.alpha                  | /chorus                      | {"alpha": []}
            chat | chorus.strength               | /chorus                      | {"strength": false}
            chat | chorus.speculative            | /chorus                      | {"speculative": "no"}
            text | model                         | /model                       | ["pair"]
            text | prompt                        | /prompt                      | 5
            text | prompt[0]                     | /prompt                      | [5]
            text | max_tokens                    | /max_tokens                  | "x"
            text | logprobs                      | /logprobs                    | true
            text | echo                          | /echo                        | "x"
            text | best_of                       | /best_of                     | "x"
            text | temperature                   | /temperature                 | "x"
            text | stop                          | /stop                        | {}
            text | seed                          | /seed                        | 1.25
            """)
    void aWrongJsonTypeNamesTheField(String endpoint, String param, String pointer, String value) {
        assertRefused(endpoint, pointer, value, param, "invalid_type");
    }

    @ParameterizedTest(name = "{0} {1} = {3}")
    @CsvSource(delimiter = '|', textBlock = """
            chat | temperature          | /temperature           | 2.5
            chat | top_p                | /top_p                 | 1.5
            chat | max_tokens           | /max_tokens            | 0
            chat | n                    | /n                     | 0
            chat | n                    | /n                     | 17
            chat | top_logprobs         | /top_logprobs          | 21
            chat | top_logprobs         | /top_logprobs          | 2
            chat | presence_penalty     | /presence_penalty      | -2.5
            chat | min_p                | /min_p                 | 1.5
            chat | top_k                | /top_k                 | -1
            chat | repeat_penalty       | /repeat_penalty        | 0
            chat | repeat_penalty       | /repeat_penalty        | 1e-300
            chat | seed                 | /seed                  | 18446744073709551616
            chat | stop                 | /stop                  | ""
            chat | stop                 | /stop                  | ["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17"]
            chat | messages             | /messages              | []
            chat | messages[0].role     | /messages/0/role       | "robot"
            chat | messages[0].content[0].type | /messages/0/content | [{"type": "image_url", "image_url": {"url": "x"}}]
            chat | stream_options       | /stream_options        | {"include_usage": true}
            chat | chorus.weights       | /chorus                | {"weights": [1, 2, 3]}
            chat | chorus.weights       | /chorus                | {"weights": []}
            chat | chorus.weights       | /chorus                | {"weights": [-1, 2]}
            chat | chorus.weights       | /chorus                | {"weights": [0, 0]}
            chat | chorus.method        | /chorus                | {"method": "contrastive"}
            chat | chorus.method        | /chorus                | {"method": "average"}
            chat | chorus.lambda        | /chorus                | {"lambda": 0.5}
            chat | chorus.lambda        | /chorus                | {"lambda": -1}
            chat | chorus.alpha         | /chorus                | {"alpha": 0}
            chat | chorus.strength      | /chorus                | {"strength": 2}
            text | prompt               | /prompt                | ["one", "two"]
            text | logprobs             | /logprobs              | 21
            chat | logit_bias.7         | /logit_bias            | {"7": 101}
            chat | logit_bias           | /logit_bias            | {"seven": 1}
            chat | logit_bias           | /logit_bias            | {"999999": 1}
            text | grammar              | /grammar               | "root ::= nothing"
            chat | tool_choice          | /tool_choice           | "required"
            chat | parallel_tool_calls  | /parallel_tool_calls   | false
            chat | tools[0].function.name | /tools        | [{"type": "function", "function": {"name": "a b"}}]
            chat | tools[0].function.parameters | /tools  | [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "not": {}}}}]
            chat | tools[0].function.parameters | /tools  | [{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]
            chat | tools[0].type        | /tools                 | [{"type": "custom", "function": {"name": "f"}}]
            chat | tools                | /tools                 | [{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}]
            chat | response_format.type | /response_format       | {"type": "yaml"}
            chat | response_format.json_schema.name | /response_format | {"type": "json_schema", "json_schema": {"name": "a b", "schema": {}}}
            chat | response_format.json_schema.schema | /response_format | {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "string", "pattern": "a+"}}}
            chat | response_format.json_schema.schema | /response_format | {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "object", "properties": {"a": {"type": "number", "maximum": 5}}}}}
            """)
    void aValueOutOfRangeNamesTheField(String endpoint, String param, String pointer, String value) {
        assertRefused(endpoint, pointer, value, param, "invalid_value");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            chat | functions | /functions | [{"name": "f"}]
            text | suffix    | /suffix    | "end"
            text | echo      | /echo      | true
            text | best_of   | /best_of   | 2
            """)
    void anUnsupportedFeatureIsRefusedNotIgnored(String endpoint, String param, String pointer, String value) {
        assertRefused(endpoint, pointer, value, param, "unsupported_parameter");
    }

    @ParameterizedTest(name = "{0} without {1}")
    @CsvSource(delimiter = '|', textBlock = """
            chat | model               | /model
            chat | messages            | /messages
            chat | messages[0].content | /messages/0/content
            chat | messages[0].role    | /messages/0/role
            text | prompt              | /prompt
            """)
    void aMissingFieldIsNamed(String endpoint, String param, String pointer) {
        assertRefused(endpoint, pointer, "null", param, "missing_required_parameter");
    }

    @Test
    void extremeButValidValuesAreServed() {
        ObjectNode body = withField(CHAT, "/top_p", "1e-300").put("temperature", 2).put("top_k", 1)
                .put("min_p", 1).put("seed", Long.MIN_VALUE).put("presence_penalty", -2).put("frequency_penalty", 2);
        body.set("chorus", HttpProbe.json("{\"weights\": [0, 1e-30], \"method\": \"log_linear\"}"));
        assertEquals(200, http.post(CHAT, body.toString()).statusCode());
    }

    @Test
    void awkwardTextIsServed() {
        for (String content : new String[] {"", "\\u0000nul", "lone \\ud800 surrogate", "\\u00e9t\\u00e9 \\ud83d\\ude00"}) {
            String body = VALID_CHAT.replace("Blessed are", content);
            assertEquals(200, http.post(CHAT, body).statusCode(), body);
            assertEquals(200, http.post(TEXT, VALID_TEXT.replace("Blessed are", content)).statusCode(), body);
        }
    }

    @Test
    void contrastiveParametersApplyToAContrastiveCollaboration() {
        assertEquals(200, http.post(CHAT, withField(CHAT, "/model", "\"sharp\"")
                .put("max_tokens", 2).set("chorus", HttpProbe.json("{\"lambda\": 0.2, \"alpha\": 0.5}")).toString())
                .statusCode());
    }

    @Test
    void anUnknownModelIs404NamingTheModel() {
        HttpProbe.assertError(http.post(CHAT, withField(CHAT, "/model", "\"gpt-4o\"").toString()), 404, "model",
                "model_not_found");
        HttpProbe.assertError(http.get("/v1/models/gpt-4o"), 404, "model", "model_not_found");
    }

    private static void assertRefused(String endpoint, String pointer, String value, String param, String code) {
        String path = endpoint.equals("chat") ? CHAT : TEXT;
        HttpProbe.assertError(http.post(path, withField(path, pointer, value).toString()), 400, param, code);
    }

    /** The valid body of {@code path} with the field at {@code pointer} set to the JSON {@code value}. */
    private static ObjectNode withField(String path, String pointer, String value) {
        ObjectNode body = (ObjectNode) HttpProbe.json(path.equals(CHAT) ? VALID_CHAT : VALID_TEXT);
        int split = pointer.lastIndexOf('/');
        JsonNode parent = body.at(pointer.substring(0, split));
        String last = pointer.substring(split + 1);
        JsonNode replacement = HttpProbe.json(value);
        switch (parent) {
            case ObjectNode object -> object.set(last, replacement);
            case ArrayNode array -> array.set(Integer.parseInt(last), replacement);
            default -> throw new IllegalArgumentException("no container at " + pointer);
        }
        return body;
    }
}
