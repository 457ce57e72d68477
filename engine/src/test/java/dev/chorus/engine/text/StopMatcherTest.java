package dev.chorus.engine.text;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopMatcherTest {
    @Test
    void aStopStringSplitAcrossDeltasIsNeverEmitted() {
        StopMatcher matcher = new StopMatcher(List.of("\n\nUser:"));
        assertEquals(new StopMatcher.Outcome("Hello", false), matcher.offer("Hello\n"));
        assertEquals(new StopMatcher.Outcome("", false), matcher.offer("\nUs"));
        StopMatcher.Outcome last = matcher.offer("er: more");
        assertTrue(last.stopped());
        assertEquals("", last.text());
    }

    @Test
    void heldTextIsReleasedWhenThePartialMatchBreaks() {
        StopMatcher matcher = new StopMatcher(List.of("END", "ENOUGH"));
        assertEquals("a", matcher.offer("aEN").text());
        StopMatcher.Outcome outcome = matcher.offer("Dless");
        assertTrue(outcome.stopped());
        assertEquals("", outcome.text());
        StopMatcher other = new StopMatcher(List.of("END"));
        assertEquals("a", other.offer("aE").text());
        StopMatcher.Outcome broken = other.offer("Nx");
        assertFalse(broken.stopped());
        assertEquals("ENx", broken.text());
        assertEquals("", other.flush());
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopMatcher matcher = new StopMatcher(List.of("cd", "b"));
        StopMatcher.Outcome outcome = matcher.offer("abcd");
        assertTrue(outcome.stopped());
        assertEquals("a", outcome.text());
    }

    @Test
    void flushReleasesAPartialMatchAtTheEnd() {
        StopMatcher matcher = new StopMatcher(List.of("###"));
        assertEquals("x", matcher.offer("x##").text());
        assertEquals("##", matcher.flush());
    }

    @Test
    void emptyStopStringsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StopMatcher(List.of("")));
    }
}
