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

    /**
     * A state's allowed tokens, a bit each, how many there are, and the shorter list of the two: the allowed tokens
     * (a structural state) or the refused ones (inside a string), so that writing a row touches few entries.
     */
    record Mask(long[] allowed, int count, int[] listed, boolean listsAllowed) {

        /** The mask of the {@code count} tokens whose bits {@code allowed} sets, over {@code vocabSize} tokens. */
        static Mask of(long[] allowed, int count, int vocabSize) {
            boolean listsAllowed = count <= vocabSize / 2;
            int[] listed = new int[listsAllowed ? count : vocabSize - count];
            int at = 0;
            for (int token = 0; token < vocabSize; token++) {
                if (((allowed[token >>> 6] & 1L << token) != 0) == listsAllowed) {
                    listed[at++] = token;
                }
            }
            return new Mask(allowed, count, listed, listsAllowed);
        }

        /** Writes 0 for each allowed token and −∞ for the others into {@code bias}, and the bits into {@code bits}. */
        void writeTo(float[] bias, long[] bits) {
            System.arraycopy(allowed, 0, bits, 0, allowed.length);
            Arrays.fill(bias, listsAllowed ? Float.NEGATIVE_INFINITY : 0f);
            float mark = listsAllowed ? 0f : Float.NEGATIVE_INFINITY;
            for (int token : listed) {
                bias[token] = mark;
            }
        }

        long bytes() {
            return allowed.length * 8L + listed.length * 4L;
        }
    }

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

    /** Least recently used first. */
    private final Map<State, Mask> masks = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits;

    /** The mask of grammar state {@code key}, or null when not seen (or evicted). */
    synchronized Mask get(State key) {
        Mask mask = masks.get(key);
        hits += mask == null ? 0 : 1;
        return mask;
    }

    /** Remembers the mask of state {@code key}; the arrays are the cache's from now on. */
    synchronized void put(State key, Mask mask) {
        Mask replaced = masks.put(key, mask);
        bytes += mask.bytes() - (replaced == null ? 0 : replaced.bytes());
        for (var eldest = masks.values().iterator(); bytes > BUDGET_BYTES && masks.size() > 1; ) {
            bytes -= eldest.next().bytes();
            eldest.remove();
        }
    }

    /** How many masks were copies (for tests and the bench's profile). */
    synchronized long hits() {
        return hits;
    }
}
