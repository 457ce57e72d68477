package dev.chorus.engine.eval;

import dev.chorus.engine.config.CollaborationKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerplexityTest {
    @Test
    void perplexityIsTheExponentialOfTheMeanNll() {
        Perplexity result = new Perplexity("experts", CollaborationKind.ENSEMBLE, 2, 1000, 0, 3000.5, 2.0);
        assertEquals(3.0005, result.meanNll(), 1e-12);
        assertEquals(Math.exp(3.0005), result.perplexity(), 1e-9);
        assertEquals(1.0, result.coverage());
        assertEquals(result.perplexity(), result.coveredPerplexity(), 1e-12);
        assertEquals(500, result.tokensPerSecond(), 1e-9);
    }

    @Test
    void aTokenWithProbabilityZeroMakesThePerplexityInfinite() {
        Perplexity result = new Perplexity("contrast", CollaborationKind.CONTRASTIVE, 1, 100, 25, 150, 1.0);
        assertEquals(Double.POSITIVE_INFINITY, result.meanNll());
        assertEquals(Double.POSITIVE_INFINITY, result.perplexity());
        assertEquals(0.75, result.coverage());
        assertEquals(Math.exp(2), result.coveredPerplexity(), 1e-12);
        assertTrue(Double.isNaN(new Perplexity("c", CollaborationKind.CONTRASTIVE, 1, 4, 4, 0, 1).coveredPerplexity()));
    }

    @Test
    void refusesImpossibleCounts() {
        assertThrows(IllegalArgumentException.class,
                () -> new Perplexity("x", CollaborationKind.SINGLE, 1, 0, 0, 0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new Perplexity("x", CollaborationKind.SINGLE, 1, 10, 11, 0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new Perplexity("x", CollaborationKind.SINGLE, 1, 10, 0, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new Perplexity("x", CollaborationKind.SINGLE, 1, 10, 0, 5, -1));
    }
}
