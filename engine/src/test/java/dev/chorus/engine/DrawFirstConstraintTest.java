package dev.chorus.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.engine.constraint.JsonSchemaGrammar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A constrained request that reads no log-probabilities draws each token before the grammar's mask and masks only when
 * the grammar refuses it ({@link ConstraintState#drawsFirst}). On the real models with a JSON schema, that path gives
 * the full mask's answers: greedy token for token, on every collaboration kind and with logit biases; sampled, the
 * same tokens for the same seed every run, drawn from the masked fused distribution (a chi-square test against the
 * masked path's reported probabilities).
 */
class DrawFirstConstraintTest {
    private static final List<String> KINDS = List.of("base", "linear", "pool", "maximum", "proxy", "cd");
    private static final String[] PROMPTS = {"And God said unto Moses", "def parse(text):", "The answer, as JSON:"};
    private static Engine engine;
    private static Constraint schema;

    @BeforeAll
    static void start(@TempDir Path folder) throws Exception {
        engine = TestEngines.start(folder, "context: 256, slots: 1", TestEngines.EVERY_KIND);
        schema = Constraint.grammar(JsonSchemaGrammar.toGbnf(new ObjectMapper().readTree("""
                {"type": "object", "properties": {
                   "title": {"type": "string"},
                   "verses": {"type": "array", "items": {"type": "object", "properties": {
                       "book": {"type": "string"}, "chapter": {"type": "integer", "minimum": 0}}, "required": ["book"]}},
                   "kind": {"enum": ["law", "psalm", "code"]}},
                 "required": ["title", "verses", "kind"], "additionalProperties": false}"""), "schema"));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void greedyAnswersAreTheFullMasksTokenForToken() throws InterruptedException {
        int quote = engine.vocab("base").tokenize("\"", false, false)[0];
        int the = engine.vocab("base").tokenize(" the", false, false)[0];
        Constraint biased = schema.withLogitBias(Map.of(quote, -2f, the, 6f));
        long redrawn = 0;
        for (String kind : KINDS) {
            long redraws = engine.stats(kind).redraws();
            for (Constraint constraint : List.of(schema, biased)) {
                for (String prompt : PROMPTS) {
                    GenerationRequest request = GenerationRequest.of(Prompt.text(prompt), 48).withConstraint(constraint)
                            .withCachePrompt(false);
                    List<GenerationEvent.Token> masked = SameTokens.events(engine.submit(kind, request));
                    List<GenerationEvent.Token> drawn = SameTokens.events(engine.submit(kind,
                            request.withLogprobs(false)));
                    String what = kind + ", " + prompt + (constraint == biased ? ", biased" : "");
                    assertEquals(SameTokens.tokens(masked), SameTokens.tokens(drawn), what);
                    assertTrue(masked.stream().allMatch(token -> Float.isFinite(token.logprob())), what);
                    // A first draw reports no log-probability; a redraw's is the masked distribution's.
                    for (int i = 0; i < drawn.size(); i++) {
                        float logprob = drawn.get(i).logprob();
                        assertTrue(Float.isNaN(logprob) ? !kind.equals("cd")
                                : Math.abs(logprob - masked.get(i).logprob()) < 1e-5f, what + ", token " + i);
                    }
                }
            }
            long kindRedraws = engine.stats(kind).redraws() - redraws;
            assertTrue(!kind.equals("cd") || kindRedraws == 0, "the contrastive kind masks every step");
            redrawn += kindRedraws;
        }
        // The walk down the reported best tokens settles most refusals; the rest were redrawn under the mask.
        assertTrue(redrawn > 0, "no step needed the mask after its first draw: that path went untested");
    }

    @Test
    void seededDrawsRepeatAndFollowTheMaskedDistribution() throws InterruptedException {
        String kind = "linear";
        Prompt prompt = Prompt.text("And God said unto Moses,");
        // Allowed: four of the unconstrained distribution's likely tokens below its argmax (and the tokens spelling
        // their prefixes), so the first draw is refused often and kept often.
        List<GenerationEvent.Token> free = SameTokens.events(engine.submit(kind, GenerationRequest.of(prompt, 1)
                .withSampling(Sampling.GREEDY.withTopLogprobs(8))));
        StringBuilder gbnf = new StringBuilder("root ::= ");
        for (int j = 1; j <= 4; j++) {
            String text = free.getFirst().topLogprobs().get(j).text();
            gbnf.append(j > 1 ? " | " : "").append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        Constraint constraint = Constraint.grammar(gbnf.toString());
        GenerationRequest masked = GenerationRequest.of(prompt, 1).withConstraint(constraint)
                .withSampling(Sampling.sampled(1, 0).withTopLogprobs(Sampling.MAX_TOP_LOGPROBS));
        Map<Integer, Double> expected = new HashMap<>();
        for (TokenLogprob top : SameTokens.events(engine.submit(kind, masked)).getFirst().topLogprobs()) {
            expected.put(top.token(), Math.exp(top.logprob()));
        }
        assertEquals(1, expected.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-4,
                "the masked distribution's tokens are all among its reported best: " + expected);

        GenerationRequest drawn = GenerationRequest.of(prompt, 24).withConstraint(schema)
                .withSampling(Sampling.sampled(1, 77)).withLogprobs(false);
        assertEquals(engine.submit(kind, drawn).await().tokens(), engine.submit(kind, drawn).await().tokens(),
                "a seed draws the same tokens every run");

        int draws = 2000;
        Map<Integer, Integer> counts = new HashMap<>();
        long redraws = engine.stats(kind).redraws();
        for (int seed = 1; seed <= draws; seed++) {
            GenerationRequest request = GenerationRequest.of(prompt, 1).withConstraint(constraint)
                    .withSampling(Sampling.sampled(1, seed)).withLogprobs(false);
            counts.merge(engine.submit(kind, request).await().tokens().getFirst(), 1, Integer::sum);
        }
        long redrawn = engine.stats(kind).redraws() - redraws;
        assertTrue(redrawn > 0 && redrawn < draws, redrawn + " of " + draws
                + " steps masked after refused unmasked draws: both paths ran");
        assertTrue(expected.keySet().containsAll(counts.keySet()), "only allowed tokens: " + counts);
        double chiSquare = 0;
        int bins = 0;
        double otherExpected = 0;
        int otherCount = 0;
        for (Map.Entry<Integer, Double> entry : expected.entrySet()) {
            double e = entry.getValue() * draws;
            int n = counts.getOrDefault(entry.getKey(), 0);
            if (e < 5) {
                otherExpected += e;
                otherCount += n;
            } else {
                chiSquare += (n - e) * (n - e) / e;
                bins++;
            }
        }
        if (otherExpected >= 1) {
            chiSquare += (otherCount - otherExpected) * (otherCount - otherExpected) / otherExpected;
            bins++;
        }
        assertTrue(bins >= 3, "enough bins to test: " + expected);
        assertTrue(chiSquare < critical(bins - 1), "chi-square " + chiSquare + " with " + (bins - 1)
                + " degrees of freedom: " + counts + " against " + expected);
    }

    /** The chi-square quantile at 1 − 10⁻⁴ (Wilson–Hilferty, z = 3.719). */
    private static double critical(int degrees) {
        double k = degrees;
        double cube = 1 - 2 / (9 * k) + 3.719 * Math.sqrt(2 / (9 * k));
        return k * cube * cube * cube;
    }
}
