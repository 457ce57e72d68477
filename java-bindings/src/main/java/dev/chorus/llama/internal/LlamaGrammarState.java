package dev.chorus.llama.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Reads the matching state of a grammar sampler of llama.cpp v0.5.0, which its API does not expose: the stacks of
 * {@code struct llama_grammar} (llama-grammar.h) reached through {@code struct llama_sampler_grammar}
 * (llama-sampler.cpp), with libstdc++'s {@code std::vector} (begin, end, capacity) and {@code std::string} (pointer,
 * length, 16-byte buffer). Two grammar samplers of one grammar text in equal states allow the same tokens, so a
 * state is a key to a cached mask.
 *
 * <p>Private layouts may change with llama.cpp, so nothing is read before the layout is proven on the sampler at
 * hand: {@link #of} checks that the context points at the vocabulary and holds the grammar text and root it was
 * made from, that the grammar points at the vocabulary, and that every rule is a well-formed element array ending
 * in {@code LLAMA_GRETYPE_END}; {@link #key} checks that every stack entry points into a rule and that the pending
 * UTF-8 count agrees with the caller's own. Any failure gives null, and the caller stops asking.
 */
public final class LlamaGrammarState {
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private static final long SAMPLER_CTX = 8;              // struct llama_sampler { iface; ctx; }
    private static final long CTX_VOCAB = 0;                // struct llama_sampler_grammar { vocab;
    private static final long CTX_GRAMMAR_STR = 8;          //   std::string grammar_str;
    private static final long CTX_GRAMMAR_ROOT = 40;        //   std::string grammar_root;
    private static final long CTX_GRAMMAR = 72;             //   llama_grammar * grammar; }
    private static final long GRAMMAR_VOCAB = 0;            // struct llama_grammar { vocab;
    private static final long GRAMMAR_RULES = 8;            //   std::vector<std::vector<llama_grammar_element>> rules;
    private static final long GRAMMAR_STACKS = 32;          //   std::vector<std::vector<const llama_grammar_element *>> stacks;
    private static final long GRAMMAR_PARTIAL_VALUE = 56;   //   llama_partial_utf8 { uint32_t value;
    private static final long GRAMMAR_PARTIAL_REMAIN = 60;  //                        int n_remain; } ... }
    private static final long VECTOR = 24;
    private static final long ELEMENT = 8;                  // struct llama_grammar_element { enum type; uint32_t value; }
    private static final int TYPE_END = 0;
    private static final int TYPE_CHAR = 3;
    private static final int TYPE_CHAR_RNG_UPPER = 5;
    private static final int TYPE_CHAR_ALT = 6;
    private static final int TYPE_LAST = 9;                 // LLAMA_GRETYPE_TOKEN_NOT
    private static final int MAX_RULES = 1 << 20;
    /** States with more stacks or deeper ones than this are not keyed (ambiguous grammars; rare and costly). */
    private static final int MAX_KEY_WORDS = 1 << 14;

    private final long grammar;
    /** The rules' element arrays, sorted by address: [ruleStart[i], ruleEnd[i]) is rule ruleIndex[i]. */
    private final long[] ruleStart;
    private final long[] ruleEnd;
    private final int[] ruleIndex;
    /** The same arrays by rule index. */
    private final long[] startOfRule;
    private final long[] endOfRule;

    private LlamaGrammarState(long grammar, long[] ruleStart, long[] ruleEnd, int[] ruleIndex, long[] startOfRule,
            long[] endOfRule) {
        this.grammar = grammar;
        this.ruleStart = ruleStart;
        this.ruleEnd = ruleEnd;
        this.ruleIndex = ruleIndex;
        this.startOfRule = startOfRule;
        this.endOfRule = endOfRule;
    }

    /**
     * The state reader of grammar sampler {@code sampler}, made by {@code llama_sampler_init_grammar(vocab, text,
     * root)} or cloned from one, or null when its memory does not have the layout above.
     */
    public static LlamaGrammarState of(MemorySegment sampler, MemorySegment vocab, byte[] text, byte[] root) {
        long ctx = MEMORY.get(WORD, sampler.address() + SAMPLER_CTX);
        if (ctx == 0 || MEMORY.get(WORD, ctx + CTX_VOCAB) != vocab.address()
                || !holds(ctx + CTX_GRAMMAR_STR, text) || !holds(ctx + CTX_GRAMMAR_ROOT, root)) {
            return null;
        }
        long grammar = MEMORY.get(WORD, ctx + CTX_GRAMMAR);
        if (grammar == 0 || MEMORY.get(WORD, grammar + GRAMMAR_VOCAB) != vocab.address()) {
            return null;
        }
        long rules = MEMORY.get(WORD, grammar + GRAMMAR_RULES);
        long bytes = MEMORY.get(WORD, grammar + GRAMMAR_RULES + 8) - rules;
        if (rules == 0 || bytes <= 0 || bytes % VECTOR != 0 || bytes / VECTOR > MAX_RULES) {
            return null;
        }
        int count = (int) (bytes / VECTOR);
        long[] start = new long[count];
        long[] end = new long[count];
        Integer[] order = new Integer[count];
        for (int rule = 0; rule < count; rule++) {
            start[rule] = MEMORY.get(WORD, rules + rule * VECTOR);
            end[rule] = MEMORY.get(WORD, rules + rule * VECTOR + 8);
            order[rule] = rule;
            // llama.cpp keeps undefined rule ids as empty vectors; a defined rule ends with END.
            if (start[rule] == end[rule]) {
                continue;
            }
            if (start[rule] == 0 || end[rule] < start[rule] || (end[rule] - start[rule]) % ELEMENT != 0
                    || MEMORY.get(INT, end[rule] - ELEMENT) != TYPE_END) {
                return null;
            }
            for (long element = start[rule]; element < end[rule]; element += ELEMENT) {
                int type = MEMORY.get(INT, element);
                if (type < 0 || type > TYPE_LAST) {
                    return null;
                }
            }
        }
        Integer[] defined = Arrays.stream(order).filter(rule -> start[rule] != end[rule]).toArray(Integer[]::new);
        Arrays.sort(defined, (a, b) -> Long.compareUnsigned(start[a], start[b]));
        long[] sortedStart = new long[defined.length];
        long[] sortedEnd = new long[defined.length];
        int[] index = new int[defined.length];
        for (int i = 0; i < defined.length; i++) {
            sortedStart[i] = start[defined[i]];
            sortedEnd[i] = end[defined[i]];
            index[i] = defined[i];
        }
        return new LlamaGrammarState(grammar, sortedStart, sortedEnd, index, start, end);
    }

    /**
     * The grammar's state: each stack's entries as (rule, element) pairs, then the pending UTF-8 sequence; null when
     * the state is too large to key, or when it is not what the layout promises (an entry outside the rules, or a
     * pending count other than {@code pendingBytes}, the caller's own count).
     */
    public long[] key(int pendingBytes) {
        long partialRemain = MEMORY.get(INT, grammar + GRAMMAR_PARTIAL_REMAIN);
        long stacks = MEMORY.get(WORD, grammar + GRAMMAR_STACKS);
        long bytes = MEMORY.get(WORD, grammar + GRAMMAR_STACKS + 8) - stacks;
        if (partialRemain != pendingBytes || bytes < 0 || bytes % VECTOR != 0 || bytes / VECTOR > MAX_KEY_WORDS) {
            return null;
        }
        int count = (int) (bytes / VECTOR);
        long words = 2 + count;
        for (int stack = 0; stack < count && words <= MAX_KEY_WORDS; stack++) {
            long entries = MEMORY.get(WORD, stacks + stack * VECTOR + 8) - MEMORY.get(WORD, stacks + stack * VECTOR);
            if (entries < 0 || entries % 8 != 0) {
                return null;
            }
            words += entries / 8;
        }
        if (words > MAX_KEY_WORDS) {
            return null;
        }
        long[] key = new long[(int) words];
        int at = 0;
        key[at++] = pendingBytes == 0 ? 0 : (long) pendingBytes << 32 | MEMORY.get(INT, grammar + GRAMMAR_PARTIAL_VALUE);
        key[at++] = count;
        for (int stack = 0; stack < count; stack++) {
            long begin = MEMORY.get(WORD, stacks + stack * VECTOR);
            long end = MEMORY.get(WORD, stacks + stack * VECTOR + 8);
            key[at++] = (end - begin) / 8;
            for (long entry = begin; entry < end; entry += 8) {
                long element = elementOf(MEMORY.get(WORD, entry));
                if (element < 0) {
                    return null;
                }
                key[at++] = element;
            }
        }
        return key;
    }

    /**
     * The characters some stack of state {@code key} (words {@link #key} gave) can take next: sorted, disjoint,
     * inclusive code point ranges {@code [from, to, from, to, ...]}, read from the character element at each stack's
     * top the way {@code llama_grammar_match_char} reads it (an empty stack takes none). llama.cpp refuses a token
     * whose first character no stack's top takes before looking further. Null when some top is not a positive
     * character element: a negated class or any character (which take most characters), or a token element.
     */
    public int[] nextCharacters(long[] key) {
        int[] ranges = new int[16];
        int count = 0;
        int at = 2;
        for (long stack = 0; stack < key[1]; stack++) {
            int entries = (int) key[at++];
            at += entries;
            if (entries == 0) {
                continue;
            }
            long top = key[at - 1];
            int rule = (int) (top >>> 32);
            long limit = endOfRule[rule];
            long element = startOfRule[rule] + (top & 0xFFFFFFFFL) * ELEMENT;
            if (MEMORY.get(INT, element) != TYPE_CHAR) {
                return null;
            }
            do {
                // A character element is followed by one element at least (END closes every rule).
                if (element + ELEMENT >= limit) {
                    return null;
                }
                int from = MEMORY.get(INT, element + 4);
                int to = from;
                if (MEMORY.get(INT, element + ELEMENT) == TYPE_CHAR_RNG_UPPER) {
                    to = MEMORY.get(INT, element + ELEMENT + 4);
                    element += 2 * ELEMENT;
                } else {
                    element += ELEMENT;
                }
                if (Integer.compareUnsigned(from, to) <= 0 && from >= 0) {
                    if (count == ranges.length) {
                        ranges = Arrays.copyOf(ranges, 2 * count);
                    }
                    ranges[count++] = from;
                    ranges[count++] = to < 0 ? Integer.MAX_VALUE : to;
                }
            } while (element < limit && MEMORY.get(INT, element) == TYPE_CHAR_ALT);
        }
        return merged(ranges, count);
    }

    /** {@code ranges[0 .. count)} (inclusive pairs) sorted and merged. */
    private static int[] merged(int[] ranges, int count) {
        long[] pairs = new long[count / 2];
        for (int i = 0; i < pairs.length; i++) {
            pairs[i] = (long) ranges[2 * i] << 32 | ranges[2 * i + 1];
        }
        Arrays.sort(pairs);
        int[] merged = new int[count];
        int size = 0;
        for (long pair : pairs) {
            int from = (int) (pair >>> 32);
            int to = (int) pair;
            if (size > 0 && from <= merged[size - 1] + 1L) {
                merged[size - 1] = Math.max(merged[size - 1], to);
            } else {
                merged[size++] = from;
                merged[size++] = to;
            }
        }
        return Arrays.copyOf(merged, size);
    }

    /** {@code pointer} as rule index << 32 | element index, or −1 when it points into no rule. */
    private long elementOf(long pointer) {
        int low = 0;
        int high = ruleStart.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(ruleStart[mid], pointer) <= 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        int rule = high;
        if (rule < 0 || Long.compareUnsigned(pointer, ruleEnd[rule]) >= 0 || (pointer - ruleStart[rule]) % ELEMENT != 0) {
            return -1;
        }
        return (long) ruleIndex[rule] << 32 | (pointer - ruleStart[rule]) / ELEMENT;
    }

    /** Whether the libstdc++ {@code std::string} at {@code address} holds exactly {@code expected}. */
    private static boolean holds(long address, byte[] expected) {
        long data = MEMORY.get(WORD, address);
        long length = MEMORY.get(WORD, address + 8);
        if (data == 0 || length != expected.length) {
            return false;
        }
        return MemorySegment.mismatch(MEMORY, data, data + length, MemorySegment.ofArray(expected), 0, length) < 0;
    }
}
