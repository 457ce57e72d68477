package dev.chorus.llama;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The masks one grammar text has given over one vocabulary, by grammar state (the key {@code LlamaGrammarState}
 * reads), shared by every sequence constrained by that text: inside a JSON string, or at the same place in each
 * element of an array, the state repeats, and its mask is then a copy instead of a pass of llama.cpp's grammar over
 * the vocabulary. Least recently used masks go first beyond {@link #BUDGET_BYTES}. Thread-safe.
 */
final class GrammarMasks {
    /** The memory the masks of one grammar text may take. */
    static final long BUDGET_BYTES = 8L << 20;

    /** A state's allowed tokens, a bit each, and how many there are. */
    record Mask(long[] allowed, int count) {}

    /** A grammar state as {@code LlamaGrammarState} reads it, compared by value. */
    record State(long[] words) {
        @Override
        public boolean equals(Object other) {
            return other instanceof State state && Arrays.equals(words, state.words);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(words);
        }
    }

    private final Map<State, Mask> masks;
    private long hits;

    GrammarMasks(int vocabSize) {
        int capacity = (int) Math.max(16, BUDGET_BYTES / ((vocabSize + 63) / 64 * 8L));
        this.masks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<State, Mask> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The mask of grammar state {@code key}, or null when not seen (or evicted). */
    synchronized Mask get(State key) {
        Mask mask = masks.get(key);
        hits += mask == null ? 0 : 1;
        return mask;
    }

    /** Remembers the mask of state {@code key}; the arrays are the cache's from now on. */
    synchronized void put(State key, Mask mask) {
        masks.put(key, mask);
    }

    /** How many masks were copies (for tests and the bench's profile). */
    synchronized long hits() {
        return hits;
    }
}
