package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import dev.chorus.testkit.FixtureVocabulary;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** llama.cpp's grammar engine through the bindings, on the real 32000-token vocabulary. */
class GrammarTest {

    private static Model model;
    private static Vocab vocab;

    @BeforeAll
    static void load() {
        model = Model.load(TestModels.fixture(), ModelParams.vocabularyOnly());
        vocab = model.vocab();
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void aGrammarOfOneStringAllowsExactlyThatString() {
        SplittableRandom random = new SplittableRandom(5);
        for (int run = 0; run < 3; run++) {
            try (Grammar grammar = Grammar.compile(vocab, "root ::= \"Hello, wörld {\\\"x\\\": 1}\"", "root")) {
                assertEquals("Hello, wörld {\"x\": 1}", walk(grammar, random));
            }
        }
    }

    @Test
    void alternativesAndRepetitionsAreFollowedAndCopiesAreIndependent() {
        try (Grammar grammar = Grammar.compile(vocab, "root ::= (\"yes\" | \"no\") [0-9]{2}", "root")) {
            Grammar copy = grammar.copy();
            String first = walk(grammar, new SplittableRandom(1));
            String second = walk(copy, new SplittableRandom(2));
            copy.close();
            for (String text : new String[] {first, second}) {
                assertTrue(text.matches("(yes|no)[0-9]{2}"), text);
            }
        }
    }

    @Test
    void badGrammarsAndDisallowedTokensFailBeforeTheNativeCall() {
        assertThrows(IllegalArgumentException.class, () -> Grammar.compile(vocab, "root ::= \"unterminated", "root"));
        assertThrows(IllegalArgumentException.class, () -> Grammar.compile(vocab, "root ::= undefined", "root"));
        assertThrows(IllegalArgumentException.class, () -> Grammar.compile(vocab, "start ::= \"x\"", "root"));
        assertThrows(IllegalArgumentException.class, () -> Grammar.compile(vocab, "", "root"));
        try (Grammar grammar = Grammar.compile(vocab, "root ::= \"a\"", "root")) {
            int b = vocab.tokenize("b", false, false)[0];
            assertThrows(IllegalStateException.class, () -> grammar.accept(b), "no mask yet");
            grammar.mask(new float[vocab.size()]);
            assertThrows(IllegalStateException.class, () -> grammar.accept(b), "not allowed");
            assertThrows(IllegalArgumentException.class, () -> grammar.mask(new float[3]));
        }
    }

    @Test
    void checkingAFewTokensAgreesWithTheMaskAndLetsTheOneFoundBeAccepted() {
        String gbnf = "root ::= \"{\\\"a\\\": \" [0-9]+ (\", \\\"b\\\": \\\"\" [^\"]* \"\\\"\")? \"}\"";
        SplittableRandom random = new SplittableRandom(3);
        try (Grammar grammar = Grammar.compile(vocab, gbnf, "root")) {
            float[] bias = new float[vocab.size()];
            int[] batch = new int[Grammar.MAX_CHECKED];
            for (int step = 0; step < 10; step++) {
                int allowed = grammar.mask(bias);
                for (int first = 0; first < vocab.size(); first += batch.length) {
                    int count = Math.min(batch.length, vocab.size() - first);
                    int expected = -1;
                    for (int i = 0; i < count; i++) {
                        batch[i] = first + i;
                        expected = expected < 0 && bias[first + i] == 0f ? i : expected;
                    }
                    assertEquals(expected, grammar.firstAllowed(batch, count), "tokens " + first + ".., step " + step);
                }
                if (allowed == 1) {
                    break; // complete: only EOG is left
                }
                int refused = -1;
                int pick;
                do {
                    pick = random.nextInt(vocab.size());
                    refused = bias[pick] != 0f ? pick : refused;
                } while (bias[pick] != 0f || vocab.isEog(pick));
                int refusedToken = refused;
                if (refused >= 0) {
                    assertEquals(false, grammar.allows(refused));
                    assertThrows(IllegalStateException.class, () -> grammar.accept(refusedToken));
                }
                assertTrue(grammar.allows(pick), "step " + step);
                grammar.accept(pick);
            }
            assertThrows(IllegalArgumentException.class, () -> grammar.firstAllowed(batch, 0));
        }
    }

    @Test
    void theMaskAsksAboutPrefixesFirstAndStillEqualsEveryTokensOwnVerdict() {
        String json = "root ::= \"{\" ws \"\\\"k\\\"\" ws \":\" ws \"\\\"\" [^\"\\\\]* \"\\\"\" ws \"}\"\n"
                + "ws ::= | \" \" | \"\\n\" [ \\t]{0,20}";
        // Characters outside ASCII, which byte-level tokens split: states inside a character ask about every token.
        String wide = "root ::= (\"é\" | \"日本\" | [α-ω] | \"→ \")+ \".\"";
        // Every token of letters leaves the state as it was: from the second step on, masks are copies.
        String letters = "root ::= [a-z]+";
        // Ranges, alternatives and single characters at the stacks' tops, and an end the grammar may stop at.
        String classes = "root ::= ([0-9a-fA-F] | \"x\" [yz] | \"é\" | [\\u0100-\\u017F])+ (\".\" | \";\")?";
        try (Model bpe = Model.load(FixtureModels.cached(FixtureModel.DEFAULT.withName("grammar-bpe")
                .withVocabulary(FixtureVocabulary.LLAMA3_BPE).withLayers(1)), ModelParams.vocabularyOnly())) {
            for (Vocab each : new Vocab[] {vocab, bpe.vocab()}) {
                // Token elements judge a token by its id, not its text: any token but "a", whose children are allowed.
                int a = each.tokenize("a", false, false)[0];
                String byId = "root ::= (!<[" + a + "]>)+";
                for (String gbnf : new String[] {json, wide, letters, classes, byId}) {
                    try (Grammar grammar = Grammar.compile(each, gbnf, "root")) {
                        assertTrue(grammar.readsState(), "llama.cpp's grammar layout was not recognised");
                        assertMaskIsEveryTokensVerdict(each, grammar, new SplittableRandom(11));
                        if (gbnf.equals(letters)) {
                            assertTrue(grammar.reusedMasks() >= 20, grammar.reusedMasks() + " masks reused");
                            assertTrue(grammar.revisits(), "the walk stays in the state after a letter");
                            try (Grammar fresh = Grammar.compile(each, gbnf, "root")) {
                                assertEquals(false, fresh.revisits(), "another grammar's masks are not its visits");
                            }
                        }
                    }
                }
                // Where only "{" may come, only the tokens starting with it (and those without a first character,
                // such as lone UTF-8 bytes) are asked about: not the vocabulary's thousands of roots.
                try (Grammar grammar = Grammar.compile(each, json + "\n# not kept yet\n", "root")) {
                    assertTrue(grammar.mask(new float[each.size()]) >= 1);
                    int roots = each.prefixes().roots().length;
                    assertTrue(grammar.askedTokens() < roots / 8, grammar.askedTokens() + " tokens asked about, of "
                            + roots + " roots");
                }
            }
        }
    }

    @Test
    void tokenElementsAreFoundOutsideLiteralsClassesAndComments() {
        assertTrue(Grammar.refersToTokens("root ::= <[12]> \"x\""));
        assertTrue(Grammar.refersToTokens("root ::= !<[12]>*"));
        assertTrue(Grammar.refersToTokens("root ::= \"a\\\"\" <think>"));
        assertEquals(false, Grammar.refersToTokens("root ::= \"<[12]>!\" [<>!] # <think>\nx ::= \"\\\\\""));
    }

    /** Walks {@code grammar} by random allowed tokens, checking each step's mask against one-token applies. */
    private static void assertMaskIsEveryTokensVerdict(Vocab vocab, Grammar grammar, SplittableRandom random) {
        float[] bias = new float[vocab.size()];
        int[] one = new int[1];
        for (int step = 0; step < 24; step++) {
            int allowed = grammar.mask(bias);
            int counted = 0;
            for (int token = 0; token < vocab.size(); token++) {
                one[0] = token;
                boolean verdict = grammar.firstAllowed(one, 1) == 0;
                assertEquals(verdict, bias[token] == 0f, "token " + token + " at step " + step);
                counted += verdict ? 1 : 0;
            }
            assertEquals(counted, allowed);
            int textual = 0;
            for (int token = 0; token < vocab.size(); token++) {
                textual += bias[token] == 0f && !vocab.isEog(token) ? 1 : 0;
            }
            if (textual == 0) {
                return; // only the end is left
            }
            int token;
            do {
                token = random.nextInt(vocab.size());
            } while (bias[token] != 0f || vocab.isEog(token));
            grammar.accept(token);
        }
    }

    /** Picks random allowed tokens until only EOG is allowed; returns the text. */
    private static String walk(Grammar grammar, SplittableRandom random) {
        float[] bias = new float[vocab.size()];
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int step = 0; step < 200; step++) {
            int allowed = grammar.mask(bias);
            assertTrue(allowed > 0);
            int pick = random.nextInt(allowed);
            int token = -1;
            for (int i = 0; i < bias.length; i++) {
                if (bias[i] == 0f && pick-- == 0) {
                    token = i;
                    break;
                }
            }
            if (vocab.isEog(token)) {
                assertEquals(1, allowed, "EOG only once nothing else is possible here");
                return text.toString(StandardCharsets.UTF_8);
            }
            text.writeBytes(vocab.pieceBytes(token, false));
            grammar.accept(token);
        }
        throw new AssertionError("the grammar never ended: " + text);
    }
}
