package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaGrammarState;
import dev.chorus.llama.internal.LlamaSamplers;
import dev.chorus.llama.internal.LlamaTokenData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A GBNF grammar's matching state, llama.cpp's own engine ({@code llama_sampler_init_grammar}): {@link #mask} gives
 * the tokens the grammar allows next, {@link #allows} and {@link #firstAllowed} ask about a few tokens only,
 * {@link #accept} advances it by the token chosen. Chorus samples with its own kernels, so the grammar is only asked
 * for its allowed set, which then masks the fused distribution. EOG tokens are allowed only once the grammar is
 * complete; when nothing else is, generation must end.
 *
 * <p>A mask costs little where llama.cpp's pass over the vocabulary would cost milliseconds: a state seen before
 * (by any grammar of the same text over the vocabulary) copies its mask ({@link GrammarMasks}, keyed by the state
 * {@link LlamaGrammarState} reads), and a new state asks about tokens by their {@link PiecePrefixes prefixes}, so
 * that the children of a refused token are never asked about, starting from the tokens whose first character the
 * state's stacks can take. Every verdict is still llama.cpp's.
 *
 * <p>llama.cpp aborts the process when a grammar is advanced by a token it does not allow, so {@link #accept} takes
 * only a token the last {@link #mask}, {@link #allows} or {@link #firstAllowed} allowed. Valid while the vocabulary's model is open. Not
 * thread-safe.
 */
public final class Grammar extends NativeResource {

    /** The longest grammar text accepted: llama.cpp's parser is recursive, and a grammar is per request. */
    public static final int MAX_BYTES = 256 * 1024;

    /** The most tokens one {@link #firstAllowed} asks about. */
    public static final int MAX_CHECKED = 32;

    private static final long ENTRY = LlamaTokenData.LAYOUT.byteSize();
    private static final long LOGIT = 4;
    private static final long PROBABILITY = 8;
    private static final double DENSE_SHARE = 0.5;

    private final Vocab vocab;
    private final String text;
    private final String root;
    private final PiecePrefixes prefixes;
    /** Whether a refused token's children are refused: not when the grammar matches tokens by id ({@code <[id]>}). */
    private final boolean prunes;
    private final MemorySegment handle;
    /** The reader of llama.cpp's matching state, or null when its layout is not the one expected. */
    private final LlamaGrammarState state;
    private final GrammarMasks masks;
    /** The states this grammar (and the one it was copied from) masked. */
    private final Set<GrammarMasks.State> maskedStates;
    /** The candidates of one apply: room for the whole vocabulary. */
    private final MemorySegment candidates;
    private final MemorySegment array;
    /** The tokens one round of {@link #mask} asks about, and those the next will. */
    private int[] round;
    private int[] nextRound;
    /** The tokens the last {@link #mask} allowed, a bit each. */
    private final long[] maskAllowed;
    private boolean masked;
    /** The token the last {@link #allows} or {@link #firstAllowed} found allowed since the previous accept, or −1. */
    private int allowedToken = -1;
    /** The current state, read at most once per token (null until read, or when it cannot be). */
    private GrammarMasks.State current;
    private boolean currentRead;
    /** The bytes of a character the accepted tokens left unfinished (llama.cpp's {@code partial_utf8.n_remain}). */
    private int pendingBytes;
    /** How many verdicts this grammar asked llama.cpp for. */
    private long askedTokens;

    private Grammar(Vocab vocab, String text, String root, MemorySegment created, int pendingBytes,
            Set<GrammarMasks.State> maskedStates) {
        this.vocab = vocab;
        this.text = text;
        this.root = root;
        this.prefixes = vocab.prefixes();
        this.prunes = !refersToTokens(text);
        this.handle = created.reinterpret(arena, LlamaSamplers::llama_sampler_free);
        this.state = LlamaGrammarState.of(handle, vocab.handle(), text.getBytes(StandardCharsets.UTF_8),
                root.getBytes(StandardCharsets.UTF_8));
        this.masks = vocab.grammarMasks(text, root);
        this.maskedStates = new HashSet<>(maskedStates);
        int size = vocab.size();
        this.candidates = arena.allocate(LlamaTokenData.LAYOUT, size);
        this.array = arena.allocate(LlamaTokenData.ARRAY_LAYOUT);
        this.round = new int[size];
        this.nextRound = new int[size];
        this.maskAllowed = new long[(size + 63) / 64];
        this.pendingBytes = pendingBytes;
    }

    /**
     * Parses a GBNF grammar for {@code vocab}.
     *
     * @param root the start symbol, usually {@code "root"}
     * @throws IllegalArgumentException when llama.cpp's parser rejects the grammar (a syntax error, an undefined or
     *                                  left-recursive rule, no {@code root}), or it is empty or too long
     */
    public static Grammar compile(Vocab vocab, String gbnf, String root) {
        Objects.requireNonNull(vocab, "vocab");
        byte[] text = Objects.requireNonNull(gbnf, "gbnf").getBytes(StandardCharsets.UTF_8);
        if (text.length == 0 || text.length > MAX_BYTES) {
            throw new IllegalArgumentException("a grammar has 1 to " + MAX_BYTES + " bytes, this one " + text.length);
        }
        if (gbnf.indexOf('\0') >= 0 || Objects.requireNonNull(root, "root").isEmpty() || root.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the grammar and its root symbol must be non-empty text without NUL");
        }
        Llama.init();
        MemorySegment created;
        try (Arena call = Arena.ofConfined()) {
            created = LlamaSamplers.llama_sampler_init_grammar(vocab.handle(), call.allocateFrom(gbnf),
                    call.allocateFrom(root));
        }
        if (created.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException("llama.cpp's GBNF parser rejected the grammar (a syntax error, an "
                    + "undefined or left-recursive rule, or no rule '" + root + "'; its log says where)");
        }
        return new Grammar(vocab, gbnf, root, created, 0, Set.of());
    }

    /** An independent copy in the same state (for another choice of the same request). */
    public Grammar copy() {
        ensureOpen();
        MemorySegment cloned = LlamaSamplers.llama_sampler_clone(handle);
        if (cloned.equals(MemorySegment.NULL)) {
            throw new LlamaException("llama_sampler_clone returned NULL");
        }
        return new Grammar(vocab, text, root, cloned, pendingBytes, maskedStates);
    }

    /**
     * Writes the grammar's allowed set to {@code bias}: 0 for each token it allows next, {@code −∞} for the others.
     * A state whose mask is known copies it. Otherwise it asks llama.cpp about the vocabulary's
     * {@link PiecePrefixes} roots, then about the children of each token allowed, round by round: a token whose
     * prefix is refused is refused. Where every stack's top is a character class, only the roots whose first
     * character one of them takes are asked about ({@link LlamaGrammarState#nextCharacters}), so in a state that
     * allows a few tokens only tens are. After a token that ended inside a character, every token is asked about
     * (its first bytes finish that character, so prefixes do not line up with characters).
     *
     * @param bias one entry per token of the vocabulary
     * @return the number of allowed tokens (at least 1 for a grammar that has not ended badly)
     */
    public int mask(float[] bias) {
        Objects.requireNonNull(bias, "bias");
        if (bias.length != vocab.size()) {
            throw new IllegalArgumentException(bias.length + " entries for a vocabulary of " + vocab.size());
        }
        ensureOpen();
        vocab.handle();
        masked = true;
        GrammarMasks.State key = currentState();
        if (key != null) {
            maskedStates.add(key);
        }
        GrammarMasks.Mask known = key == null ? null : masks.get(key);
        if (known != null) {
            known.writeTo(bias, maskAllowed);
            return known.count();
        }
        Arrays.fill(bias, Float.NEGATIVE_INFINITY);
        Arrays.fill(maskAllowed, 0L);
        int allowed = ask(bias, key);
        if (key != null) {
            masks.put(key, GrammarMasks.Mask.of(maskAllowed.clone(), allowed, bias.length));
        }
        return allowed;
    }

    /**
     * Whether the grammar is in a state it has masked before (or the grammar it was copied from had): where a
     * sequence has been, its mask is known, so drawing before masking saves nothing. It depends on the tokens
     * accepted only, never on other grammars, so a decision taken on it is the same every run. False when llama.cpp's
     * state cannot be read.
     */
    public boolean revisits() {
        ensureOpen();
        GrammarMasks.State key = currentState();
        return key != null && maskedStates.contains(key);
    }

    private GrammarMasks.State currentState() {
        if (!currentRead && state != null) {
            long[] words = state.key(pendingBytes);
            current = words == null ? null : new GrammarMasks.State(words);
            currentRead = true;
        }
        return current;
    }

    /**
     * Asks llama.cpp about the tokens a mask of state {@code key} (null when unread) needs to ({@link #mask}), writing
     * the verdicts; returns the allowed.
     */
    private int ask(float[] bias, GrammarMasks.State key) {
        if (pendingBytes != 0 || !prunes) {
            return maskRound(prefixes.everyToken(), prefixes.everyToken().length, bias);
        }
        int[] characters = key == null ? null : state.nextCharacters(key.words());
        int[] roots = prefixes.roots();
        int rootCount = roots.length;
        if (characters != null) {
            // Only the roots whose first character a stack takes: in a structural state, tens instead of thousands.
            rootCount = prefixes.rootsTaking(characters, nextRound);
            roots = nextRound;
        }
        int allowedRoots = maskRound(roots, rootCount, bias);
        int allowed = allowedRoots;
        if (allowedRoots > prefixes.roots().length * DENSE_SHARE) {
            // Most roots allowed (inside a string, say): pruning would save little, and a round per character costs
            // more than one pass over the rest in the vocabulary's order, which llama.cpp's piece table is in.
            int count = 0;
            for (int token = 0; token < bias.length; token++) {
                int root = prefixes.rootOf(token);
                if (root != token && bias[root] == 0f) {
                    round[count++] = token;
                }
            }
            return allowed + maskRound(round, count, bias);
        }
        for (int count = childrenOfAllowed(roots, rootCount, bias, round); count > 0; ) {
            allowed += maskRound(round, count, bias);
            count = childrenOfAllowed(round, count, bias, nextRound);
            int[] swap = round;
            round = nextRound;
            nextRound = swap;
        }
        return allowed;
    }

    /** Asks about {@code tokens[0 .. count)}, marking those allowed in {@code bias} and {@link #maskAllowed}. */
    private int maskRound(int[] tokens, int count, float[] bias) {
        applyTo(tokens, count);
        int allowed = 0;
        for (int i = 0; i < count; i++) {
            if (LlamaTokenData.logit(candidates, i) != Float.NEGATIVE_INFINITY) {
                int token = tokens[i];
                bias[token] = 0f;
                maskAllowed[token >>> 6] |= 1L << token;
                allowed++;
            }
        }
        return allowed;
    }

    /** Lists in {@code into} the children of those of {@code tokens[0 .. count)} that {@code bias} allows. */
    private int childrenOfAllowed(int[] tokens, int count, float[] bias, int[] into) {
        int next = 0;
        for (int i = 0; i < count; i++) {
            if (bias[tokens[i]] == 0f) {
                next = prefixes.addChildren(tokens[i], into, next);
            }
        }
        return next;
    }

    /** llama.cpp's apply over {@code tokens[0 .. count)} as candidates with logit 0, judged in {@link #candidates}. */
    private void applyTo(int[] tokens, int count) {
        for (int i = 0; i < count; i++) {
            long entry = i * ENTRY;
            candidates.set(ValueLayout.JAVA_INT, entry, tokens[i]);
            candidates.set(ValueLayout.JAVA_FLOAT, entry + LOGIT, 0f);
            candidates.set(ValueLayout.JAVA_FLOAT, entry + PROBABILITY, 0f);
        }
        vocab.handle();
        askedTokens += count;
        LlamaTokenData.array(array, candidates, count);
        LlamaSamplers.llama_sampler_apply(handle, array);
        if (!LlamaTokenData.data(array).equals(candidates) || LlamaTokenData.size(array) != count) {
            throw new LlamaException("llama_sampler_apply replaced or resized the candidates of the grammar sampler");
        }
    }

    /**
     * Whether the grammar allows {@code token} next: llama.cpp's apply on a one-candidate array, which judges each
     * candidate on its own, so the answer is the one {@link #mask} gives for that token, at the cost of one token
     * instead of the vocabulary.
     */
    public boolean allows(int token) {
        return firstAllowed(new int[] {token}, 1) == 0;
    }

    /**
     * The index of the first of {@code tokens[0 .. count)} the grammar allows next, or −1 when it allows none: one
     * apply over those candidates (each judged on its own, as in {@link #mask}). The token found may be accepted.
     *
     * @param count 1 to {@link #MAX_CHECKED}
     */
    public int firstAllowed(int[] tokens, int count) {
        Objects.checkFromToIndex(0, count, tokens.length);
        if (count < 1 || count > MAX_CHECKED) {
            throw new IllegalArgumentException("1 to " + MAX_CHECKED + " tokens per check, not " + count);
        }
        ensureOpen();
        for (int i = 0; i < count; i++) {
            vocab.checkToken(tokens[i]);
        }
        applyTo(tokens, count);
        for (int i = 0; i < count; i++) {
            if (LlamaTokenData.logit(candidates, i) != Float.NEGATIVE_INFINITY) {
                allowedToken = tokens[i];
                return i;
            }
        }
        return -1;
    }

    /**
     * Advances the grammar by {@code token}.
     *
     * @throws IllegalStateException when neither the last {@link #mask} nor an {@link #allows} (since the previous
     *                               accept) allowed the token: llama.cpp would abort
     */
    public void accept(int token) {
        vocab.checkToken(token);
        ensureOpen();
        boolean allowedByMask = masked && (maskAllowed[token >>> 6] & (1L << token)) != 0;
        if (!allowedByMask && token != allowedToken) {
            throw new IllegalStateException("token " + token + " is not one the grammar allowed at its last mask"
                    + " or check");
        }
        masked = false;
        allowedToken = -1;
        vocab.handle();
        LlamaSamplers.llama_sampler_accept(handle, token);
        pendingBytes = prefixes.remainAfter(pendingBytes, token);
        current = null;
        currentRead = false;
    }

    /** Whether masks are keyed by llama.cpp's matching state (its private layout was recognised). */
    boolean readsState() {
        return state != null;
    }

    /** How many tokens this grammar asked llama.cpp about, by masks and checks. */
    long askedTokens() {
        return askedTokens;
    }

    /** How many masks of this grammar's text were copies of a state's earlier mask. */
    long reusedMasks() {
        return masks.hits();
    }


    /**
     * Whether {@code gbnf} has a token element ({@code <[id]>}, {@code <token>}, {@code !<...>}): a {@code <} or
     * {@code !} outside string literals, character classes and comments, where llama.cpp's parser reads them.
     */
    static boolean refersToTokens(String gbnf) {
        for (int i = 0; i < gbnf.length(); i++) {
            char c = gbnf.charAt(i);
            if (c == '"' || c == '[') {
                char close = c == '"' ? '"' : ']';
                for (i++; i < gbnf.length() && gbnf.charAt(i) != close; i++) {
                    i += gbnf.charAt(i) == '\\' ? 1 : 0;
                }
            } else if (c == '#') {
                while (i < gbnf.length() && gbnf.charAt(i) != '\n' && gbnf.charAt(i) != '\r') {
                    i++;
                }
            } else if (c == '<' || c == '!') {
                return true;
            }
        }
        return false;
    }

    @Override
    String describe() {
        return "grammar over " + vocab.size() + " tokens";
    }
}
