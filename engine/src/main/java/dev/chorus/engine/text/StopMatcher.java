package dev.chorus.engine.text;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text that could be the start of a stop string is held back until the next
 * delta decides it, so a stop string split across tokens is never emitted, even in part. Not thread-safe.
 */
public final class StopMatcher {
    /** What one delta releases: text safe to emit, and whether a stop string ended the generation. */
    public record Outcome(String text, boolean stopped) {
    }

    private final List<String> stops;
    private String held = "";

    public StopMatcher(List<String> stops) {
        for (String stop : stops) {
            if (stop.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        this.stops = List.copyOf(stops);
    }

    public Outcome offer(String delta) {
        String text = held + delta;
        int stopAt = earliestStop(text);
        if (stopAt >= 0) {
            held = "";
            return new Outcome(text.substring(0, stopAt), true);
        }
        int keep = longestSuffixStartingAStop(text);
        held = text.substring(text.length() - keep);
        return new Outcome(text.substring(0, text.length() - keep), false);
    }

    /** Releases the held text when the generation ends for another reason. */
    public String flush() {
        String rest = held;
        held = "";
        return rest;
    }

    private int earliestStop(String text) {
        int earliest = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        return earliest;
    }

    private int longestSuffixStartingAStop(String text) {
        int longest = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, text.length()); length > longest; length--) {
                if (text.endsWith(stop.substring(0, length))) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
