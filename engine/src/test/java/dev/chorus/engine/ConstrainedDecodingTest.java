package dev.chorus.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.engine.constraint.JsonSchemaGrammar;
import dev.chorus.llama.Vocab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Constrained decoding on the real models for every collaboration kind: the grammar masks the fused distribution, so
 * the text matches it and the reported log-probabilities are those of the masked distribution; logit biases move the
 * fused logits.
 */
class ConstrainedDecodingTest {
    private static final List<String> KINDS = List.of("base", "linear", "pool", "maximum", "cd", "proxy");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Engine engine;
    private static int[] prompt;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = TestEngines.start(folder, "context: 256, slots: 2", TestEngines.EVERY_KIND);
        prompt = engine.vocab("base").tokenize("And God said unto Moses", true, false);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "linear", "pool", "maximum", "cd", "proxy"})
    void aGrammarOfOneStringProducesExactlyThatString(String collaboration) throws InterruptedException {
        String wanted = "def main(): {\"ok\": true}";
        Constraint constraint = Constraint.grammar("root ::= \"" + wanted.replace("\"", "\\\"") + "\"");
        Completion completion = generate(collaboration, constraint, Sampling.sampled(1.5f, 9), 64);
        assertEquals(wanted, completion.text(), collaboration);
        assertEquals(FinishReason.STOP, completion.reason());
    }

    @Test
    void everyKindAnswersJsonThatMatchesANestedSchema() throws Exception {
        JsonNode schema = JSON.readTree("""
                {"type": "object", "properties": {
                   "name": {"type": "string", "maxLength": 12},
                   "verse": {"type": "integer", "minimum": 0},
                   "tags": {"type": "array", "items": {"enum": ["law", "psalm", "code"]}, "minItems": 1, "maxItems": 3},
                   "where": {"type": "object", "properties": {"book": {"type": "string", "maxLength": 8},
                             "chapter": {"type": ["integer", "null"]}}, "required": ["book"],
                             "additionalProperties": false}},
                 "required": ["name", "verse", "tags", "where"], "additionalProperties": false}""");
        Constraint constraint = Constraint.grammar(JsonSchemaGrammar.toGbnf(schema, "schema"));
        for (String collaboration : KINDS) {
            {
                Completion completion = generate(collaboration, constraint, Sampling.sampled(1f, 1), 200);
                assertEquals(FinishReason.STOP, completion.reason(), collaboration + ": " + completion.text());
                JsonNode answer = JSON.readTree(completion.text());
                assertTrue(answer.get("name").isTextual() && answer.get("name").asText().length() <= 12);
                assertTrue(answer.get("verse").canConvertToLong() && answer.get("verse").asLong() >= 0);
                assertTrue(answer.get("tags").size() >= 1 && answer.get("tags").size() <= 3);
                answer.get("tags").forEach(tag -> assertTrue(List.of("law", "psalm", "code").contains(tag.asText())));
                assertTrue(answer.get("where").get("book").isTextual(), completion.text());
                assertEquals(4, answer.size(), completion.text());
            }
        }
    }

    @Test
    void anObjectListingNoPropertiesIsTheEmptyObject() throws Exception {
        // How clients write a function without arguments; a model left an open object here writes keys until its
        // budget runs out.
        for (String schema : List.of("""
                {"type": "object", "properties": {}}""", """
                {"type": "object", "properties": {}, "required": [], "additionalProperties": false}""")) {
            Constraint constraint = Constraint.grammar(JsonSchemaGrammar.toGbnf(JSON.readTree(schema), "schema"));
            for (String collaboration : List.of("base", "linear")) {
                Completion completion = generate(collaboration, constraint, Sampling.sampled(1.5f, 3), 48);
                String where = collaboration + " " + schema + ": " + completion.text();
                assertEquals(FinishReason.STOP, completion.reason(), where);
                JsonNode answer = JSON.readTree(completion.text());
                assertTrue(answer.isObject() && answer.isEmpty(), where);
            }
        }
    }

    @Test
    void logProbabilitiesAreThoseOfTheMaskedFusedDistribution() throws InterruptedException {
        Constraint constraint = Constraint.grammar("root ::= (\"yes\" | \"no\") \".\"");
        GenerationRequest request = GenerationRequest.of(Prompt.tokens(prompt), 8)
                .withSampling(Sampling.GREEDY.withTopLogprobs(5)).withConstraint(constraint);
        for (String collaboration : KINDS) {
            List<GenerationEvent.Token> tokens = SameTokens.events(engine.submit(collaboration, request));
            GenerationEvent.Token first = tokens.getFirst();
            double mass = first.topLogprobs().stream().mapToDouble(top -> Math.exp(top.logprob()))
                    .filter(p -> p > 0).sum();
            assertTrue(first.topLogprobs().stream().allMatch(top -> top.logprob() == Float.NEGATIVE_INFINITY
                    || "yes".startsWith(top.text().strip()) || "no".startsWith(top.text().strip())),
                    collaboration + ": " + first.topLogprobs());
            assertEquals(1.0, mass, 1e-3, collaboration + ": the allowed tokens carry all the mass");
        }
    }

    @Test
    void logitBiasMovesTheFusedLogits() throws InterruptedException {
        Vocab vocab = engine.vocab("pool");
        int free = generate("pool", Constraint.NONE, Sampling.GREEDY, 1).tokens().getFirst();
        int forced = vocab.tokenize(" banana", false, false)[0];
        Constraint push = new Constraint(Optional.empty(), Map.of(forced, 100f));
        assertEquals(forced, generate("pool", push, Sampling.GREEDY, 1).tokens().getFirst());
        Constraint ban = new Constraint(Optional.empty(), Map.of(free, -100f));
        assertNotEquals(free, generate("pool", ban, Sampling.GREEDY, 1).tokens().getFirst());
    }

    @Test
    void badConstraintsAreRefusedBeforeAnythingRuns() {
        InvalidRequest grammar = assertThrows(InvalidRequest.class,
                () -> engine.submit("pool", GenerationRequest.of(Prompt.tokens(prompt), 4)
                        .withConstraint(Constraint.grammar("root ::= missing"))));
        assertEquals("grammar", grammar.param());
        InvalidRequest bias = assertThrows(InvalidRequest.class,
                () -> engine.submit("pool", GenerationRequest.of(Prompt.tokens(prompt), 4)
                        .withConstraint(new Constraint(Optional.empty(), Map.of(1 << 20, 1f)))));
        assertEquals("logit_bias", bias.param());
        assertThrows(InvalidRequest.class, () -> new Constraint(Optional.empty(), Map.of(5, 101f)));
    }

    private static Completion generate(String collaboration, Constraint constraint, Sampling sampling,
                                       int maxTokens) throws InterruptedException {
        return engine.submit(collaboration, GenerationRequest.of(Prompt.tokens(prompt), maxTokens)
                .withSampling(sampling).withConstraint(constraint)).await();
    }
}
