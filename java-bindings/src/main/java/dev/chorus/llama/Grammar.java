package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaSamplers;
import dev.chorus.llama.internal.LlamaTokenData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A GBNF grammar's matching state, llama.cpp's own engine ({@code llama_sampler_init_grammar}): {@link #mask} gives
 * the tokens the grammar allows next, {@link #allows} and {@link #firstAllowed} ask about a few tokens only,
 * {@link #accept} advances it by the token chosen. Chorus samples with its own kernels, so the grammar is only asked
 * for its allowed set, which then masks the fused distribution. EOG tokens are allowed only once the grammar is
 * complete; when nothing else is, generation must end.
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

    private final Vocab vocab;
    private final MemorySegment handle;
    /** Every token with logit 0: copied over {@link #candidates} before each apply. */
    private final MemorySegment pristine;
    private final MemorySegment candidates;
    private final MemorySegment array;
    /** The candidates of {@link #firstAllowed}. */
    private final MemorySegment few;
    private boolean masked;
    /** The token the last {@link #allows} or {@link #firstAllowed} found allowed since the previous accept, or −1. */
    private int allowedToken = -1;

    private Grammar(Vocab vocab, MemorySegment created) {
        this.vocab = vocab;
        this.handle = created.reinterpret(arena, LlamaSamplers::llama_sampler_free);
        int size = vocab.size();
        this.pristine = arena.allocate(LlamaTokenData.LAYOUT, size);
        for (int i = 0; i < size; i++) {
            LlamaTokenData.set(pristine, i, i, 0f);
        }
        this.candidates = arena.allocate(LlamaTokenData.LAYOUT, size);
        this.array = arena.allocate(LlamaTokenData.ARRAY_LAYOUT);
        this.few = arena.allocate(LlamaTokenData.LAYOUT, MAX_CHECKED);
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
        return new Grammar(vocab, created);
    }

    /** An independent copy in the same state (for another choice of the same request). */
    public Grammar copy() {
        ensureOpen();
        MemorySegment cloned = LlamaSamplers.llama_sampler_clone(handle);
        if (cloned.equals(MemorySegment.NULL)) {
            throw new LlamaException("llama_sampler_clone returned NULL");
        }
        return new Grammar(vocab, cloned);
    }

    /**
     * Writes the grammar's allowed set to {@code bias}: 0 for each token it allows next, {@code −∞} for the others.
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
        MemorySegment.copy(pristine, 0, candidates, 0, candidates.byteSize());
        LlamaTokenData.array(array, candidates, bias.length);
        LlamaSamplers.llama_sampler_apply(handle, array);
        if (!LlamaTokenData.data(array).equals(candidates) || LlamaTokenData.size(array) != bias.length) {
            throw new LlamaException("llama_sampler_apply replaced or resized the candidates of the grammar sampler");
        }
        int allowed = 0;
        for (int i = 0; i < bias.length; i++) {
            float logit = candidates.get(ValueLayout.JAVA_FLOAT, i * ENTRY + LOGIT);
            bias[i] = logit == Float.NEGATIVE_INFINITY ? Float.NEGATIVE_INFINITY : 0f;
            allowed += logit == Float.NEGATIVE_INFINITY ? 0 : 1;
        }
        masked = true;
        return allowed;
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
            LlamaTokenData.set(few, i, tokens[i], 0f);
        }
        vocab.handle();
        LlamaTokenData.array(array, few, count);
        LlamaSamplers.llama_sampler_apply(handle, array);
        if (!LlamaTokenData.data(array).equals(few) || LlamaTokenData.size(array) != count) {
            throw new LlamaException("llama_sampler_apply replaced or resized the candidates of the grammar sampler");
        }
        for (int i = 0; i < count; i++) {
            if (LlamaTokenData.logit(few, i) != Float.NEGATIVE_INFINITY) {
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
        boolean maskAllowed = masked
                && candidates.get(ValueLayout.JAVA_FLOAT, token * ENTRY + LOGIT) != Float.NEGATIVE_INFINITY;
        if (!maskAllowed && token != allowedToken) {
            throw new IllegalStateException("token " + token + " is not one the grammar allowed at its last mask"
                    + " or check");
        }
        masked = false;
        allowedToken = -1;
        vocab.handle();
        LlamaSamplers.llama_sampler_accept(handle, token);
    }

    @Override
    String describe() {
        return "grammar over " + vocab.size() + " tokens";
    }
}
