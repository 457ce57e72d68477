package dev.chorus.engine.constraint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.engine.InvalidRequest;
import dev.chorus.engine.SharedModels;
import dev.chorus.llama.Grammar;
import dev.chorus.llama.Model;
import dev.chorus.llama.ModelParams;
import dev.chorus.llama.Vocab;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bounded integers as grammars, judged by llama.cpp's grammar engine character by character over the {@code kjv}
 * vocabulary: every integer in the range is accepted, and nothing else (out of range, leading zeros, {@code -0}).
 */
class IntegerRangeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Model model;
    private static Vocab vocab;
    private static final String CHARACTERS = "0123456789-.";
    /** The token whose piece is exactly each of {@link #CHARACTERS}. */
    private static final int[] CHARACTER_TOKENS = new int[CHARACTERS.length()];

    @BeforeAll
    static void load() {
        model = Model.load(SharedModels.path(SharedModels.KJV), ModelParams.vocabularyOnly());
        vocab = model.vocab();
        for (int token = 0; token < vocab.size(); token++) {
            String piece = vocab.tokenToPiece(token);
            if (piece.length() == 1 && CHARACTERS.contains(piece)) {
                CHARACTER_TOKENS[CHARACTERS.indexOf(piece)] = token;
            }
        }
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void everyIntegerOfARangeIsAcceptedAndNothingElse() {
        List<long[]> ranges = new ArrayList<>(List.of(new long[] {0, 0}, new long[] {0, 9}, new long[] {1, 12},
                new long[] {-5, 5}, new long[] {-100, -3}, new long[] {7, 1000}, new long[] {10, 99},
                new long[] {-9999, 0}, new long[] {123, 4567}, new long[] {-1, -1}, new long[] {190, 210},
                new long[] {-IntegerRange.LIMIT, IntegerRange.LIMIT}));
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 12; i++) {
            long a = random.nextLong(-100_000, 100_000);
            long b = a + random.nextLong(0, i < 6 ? 300 : 50_000);
            ranges.add(new long[] {a, b});
        }
        for (long[] range : ranges) {
            String gbnf = "root ::= " + IntegerRange.of(range[0], range[1]);
            List<Long> probes = new ArrayList<>(List.of(0L, 1L, -1L, 9L, 10L, 99L, 100L));
            for (long delta = -3; delta <= 3; delta++) {
                probes.add(range[0] + delta);
                probes.add(range[1] + delta);
            }
            for (int i = 0; i < 8; i++) {
                probes.add(random.nextLong(range[0] - 1000, range[1] + 1001));
            }
            try (Grammar grammar = Grammar.compile(vocab, gbnf, "root")) {
                for (long probe : probes) {
                    boolean inRange = probe >= range[0] && probe <= range[1];
                    assertEquals(inRange, accepts(grammar, Long.toString(probe)), probe + " for " + gbnf);
                }
                for (String malformed : new String[] {"-0", "00", "01", "-", "", "--1", "1-"}) {
                    assertEquals(false, accepts(grammar, malformed), "'" + malformed + "' for " + gbnf);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> IntegerRange.of(5, 4));
        assertThrows(IllegalArgumentException.class, () -> IntegerRange.of(0, IntegerRange.LIMIT + 1));
    }

    @Test
    void integerSchemasTakeTheirBoundsInclusiveOrExclusiveAndNumbersRefuseThem() throws Exception {
        String[][] cases = {
            {"{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 12}", "1", "12", "0", "13"},
            {"{\"type\": \"integer\", \"exclusiveMinimum\": 0, \"exclusiveMaximum\": 10}", "1", "9", "0", "10"},
            {"{\"type\": \"integer\", \"minimum\": 1.5, \"maximum\": 4.5}", "2", "4", "1", "5"},
            {"{\"type\": \"integer\", \"maximum\": -2}", "-2", "-9000", "-1", "0"},
            {"{\"type\": \"integer\", \"minimum\": 0}", "0", "9999999999999999", "-1", "01"},
            {"{\"type\": \"integer\", \"minimum\": -9007199254740991, \"maximum\": 9007199254740991}", "-7", "7",
                "--7", "1.5"},
        };
        for (String[] test : cases) {
            String gbnf = JsonSchemaGrammar.toGbnf(JSON.readTree(test[0]), "schema");
            try (Grammar grammar = Grammar.compile(vocab, gbnf, "root")) {
                for (int i = 1; i < test.length; i++) {
                    assertEquals(i <= 2, accepts(grammar, test[i]), test[i] + " for " + test[0]);
                }
            }
        }
        for (String refused : new String[] {"{\"type\": \"number\", \"maximum\": 5}",
            "{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 4}", "{\"type\": \"integer\", \"maximum\": \"5\"}",
            "{\"type\": \"integer\", \"exclusiveMinimum\": 3, \"exclusiveMaximum\": 4}"}) {
            InvalidRequest e = assertThrows(InvalidRequest.class,
                    () -> JsonSchemaGrammar.toGbnf(JSON.readTree(refused), "schema"), refused);
            assertTrue(e.getMessage().startsWith("'schema"), e.getMessage());
        }
    }

    /** Whether the grammar, from its start, takes {@code text} (one token per character) and may end after it. */
    private static boolean accepts(Grammar start, String text) {
        try (Grammar grammar = start.copy()) {
            for (char c : text.toCharArray()) {
                int token = CHARACTER_TOKENS[CHARACTERS.indexOf(c)];
                if (!grammar.allows(token)) {
                    return false;
                }
                grammar.accept(token);
            }
            return grammar.allows(vocab.eos().orElseThrow());
        }
    }
}
