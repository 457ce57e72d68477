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
 * the tokens the grammar allows next, {@link #accept} advances it by the token chosen. Chorus samples with its own
 * kernels, so the grammar is only asked for its allowed set, which then masks the fused distribution. EOG tokens are
 * allowed only once the grammar is complete; when nothing else is, generation must end.
 *
 * <p>llama.cpp aborts the process when a grammar is advanced by a token it does not allow, so {@link #accept} takes
 * only tokens the last {@link #mask} allowed. Valid while the vocabulary's model is open. Not thread-safe.
 */
public final class Grammar extends NativeResource {

    /** The longest grammar text accepted: llama.cpp's parser is recursive, and a grammar is per request. */
    public static final int MAX_BYTES = 256 * 1024;

    private static final long ENTRY = LlamaTokenData.LAYOUT.byteSize();
    private static final long LOGIT = 4;

    private final Vocab vocab;
    private final MemorySegment handle;
    /** Every token with logit 0: copied over {@link #candidates} before each apply. */
    private final MemorySegment pristine;
    private final MemorySegment candidates;
    private final MemorySegment array;
    private boolean masked;

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
     * Advances the grammar by {@code token}.
     *
     * @throws IllegalStateException when the last {@link #mask} (since the previous accept) did not allow the token,
     *                               or there was none: llama.cpp would abort
     */
    public void accept(int token) {
        vocab.checkToken(token);
        ensureOpen();
        if (!masked || candidates.get(ValueLayout.JAVA_FLOAT, token * ENTRY + LOGIT) == Float.NEGATIVE_INFINITY) {
            throw new IllegalStateException("token " + token + " is not one the grammar allowed at its last mask");
        }
        masked = false;
        vocab.handle();
        LlamaSamplers.llama_sampler_accept(handle, token);
    }

    @Override
    String describe() {
        return "grammar over " + vocab.size() + " tokens";
    }
}
