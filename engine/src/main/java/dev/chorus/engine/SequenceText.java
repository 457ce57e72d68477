package dev.chorus.engine;

import dev.chorus.engine.text.StopMatcher;
import dev.chorus.engine.text.Utf8Accumulator;

import java.util.List;

/**
 * The text of one generation as its tokens arrive: bytes held until a code point is complete, text held while it may
 * be the start of a stop string, and whether a stop string ended it.
 */
final class SequenceText {
    private final Utf8Accumulator utf8 = new Utf8Accumulator();
    private final StopMatcher stops;
    private boolean stopMatched;

    SequenceText(List<String> stop) {
        this.stops = new StopMatcher(stop);
    }

    /** Adds a token's bytes; returns the text they release, and whether a stop string completed. */
    StopMatcher.Outcome append(byte[] piece) {
        StopMatcher.Outcome outcome = stops.offer(utf8.append(piece));
        stopMatched = outcome.stopped();
        return outcome;
    }

    /** The text still held when the generation ends: none after a stop string (which is never emitted). */
    String releaseHeld() {
        if (stopMatched) {
            return "";
        }
        StopMatcher.Outcome last = stops.offer(utf8.flush());
        return last.stopped() ? last.text() : last.text() + stops.flush();
    }
}
