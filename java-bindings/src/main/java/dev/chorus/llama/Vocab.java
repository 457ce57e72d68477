package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaVocabs;
import dev.chorus.llama.internal.NativeTypes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/** A model's vocabulary ({@code struct llama_vocab}); valid while its model is open. Thread-safe. */
public final class Vocab {

    /** {@code LLAMA_TOKEN_NULL}: llama.cpp's "no such token". */
    private static final int TOKEN_NULL = -1;
    /** How many grammar texts keep their masks ({@link GrammarMasks#BUDGET_BYTES} each at most). */
    private static final int GRAMMARS_KEPT = 8;

    private final Model model;
    private final MemorySegment handle;
    private final int size;
    /** Built at the first grammar's mask: a pass over every token's piece. */
    private volatile PiecePrefixes prefixes;
    /** The grammar texts whose masks are kept, least recently used first. */
    private final Map<String, GrammarMasks> grammarMasks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, GrammarMasks> eldest) {
            return size() > GRAMMARS_KEPT;
        }
    };

    Vocab(Model model, MemorySegment handle) {
        this.model = model;
        this.handle = handle;
        this.size = LlamaVocabs.llama_vocab_n_tokens(handle);
    }

    /** The number of tokens; valid ids are {@code 0..size()-1}. */
    public int size() {
        return size;
    }

    /**
     * Text to tokens.
     *
     * @param addSpecial add BOS (and EOS) if the model is configured to
     * @param parseSpecial turn special-token text such as {@code <s>} into those tokens
     */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        byte[] utf8 = Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8);
        MemorySegment vocab = handle();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment nativeText = call.allocateFrom(ValueLayout.JAVA_BYTE, utf8);
            // One token per byte at most (byte fallback), plus the special tokens.
            int capacity = (int) Math.min(Integer.MAX_VALUE, utf8.length + 8L);
            MemorySegment tokens = NativeBuffers.negativeMeansNeeded(call, ValueLayout.JAVA_INT, capacity,
                    (buffer, max) -> LlamaVocabs.llama_tokenize(vocab, nativeText, utf8.length, buffer, max, addSpecial, parseSpecial),
                    "llama_tokenize");
            return tokens.toArray(ValueLayout.JAVA_INT);
        }
    }

    /** A token's text as raw bytes (a piece may be part of one UTF-8 character). */
    public byte[] pieceBytes(int token, boolean renderSpecial) {
        checkToken(token);
        MemorySegment vocab = handle();
        try (Arena call = Arena.ofConfined()) {
            return NativeBuffers.negativeMeansNeeded(call, ValueLayout.JAVA_BYTE, 32,
                    (buffer, max) -> LlamaVocabs.llama_token_to_piece(vocab, token, buffer, max, 0, renderSpecial),
                    "llama_token_to_piece").toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** A token's text, special tokens rendered; invalid UTF-8 of a partial piece becomes U+FFFD. */
    public String tokenToPiece(int token) {
        return new String(pieceBytes(token, true), StandardCharsets.UTF_8);
    }

    /**
     * Tokens to text, the inverse of {@link #tokenize} for tokens without BOS (llama.cpp's
     * {@code llama_detokenize}; when it removes a leading BOS it keeps the space SentencePiece put
     * before the first word).
     *
     * @param removeSpecial drop BOS/EOS if the model adds them
     * @param renderSpecial write special tokens as their text
     */
    public String detokenize(int[] tokens, boolean removeSpecial, boolean renderSpecial) {
        Objects.requireNonNull(tokens, "tokens");
        for (int token : tokens) {
            checkToken(token);
        }
        MemorySegment vocab = handle();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment nativeTokens = call.allocateFrom(ValueLayout.JAVA_INT, tokens);
            int capacity = (int) Math.min(Integer.MAX_VALUE, tokens.length * 8L + 16);
            MemorySegment text = NativeBuffers.negativeMeansNeeded(call, ValueLayout.JAVA_BYTE, capacity,
                    (buffer, max) -> LlamaVocabs.llama_detokenize(vocab, nativeTokens, tokens.length, buffer, max,
                            removeSpecial, renderSpecial),
                    "llama_detokenize");
            return new String(text.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    /** The token's text as stored in the vocabulary (SentencePiece marks spaces with U+2581). */
    public String tokenText(int token) {
        checkToken(token);
        return NativeTypes.string(LlamaVocabs.llama_vocab_get_text(handle(), token));
    }

    public OptionalInt bos() {
        return present(LlamaVocabs.llama_vocab_bos(handle()));
    }

    public OptionalInt eos() {
        return present(LlamaVocabs.llama_vocab_eos(handle()));
    }

    /** End of turn; absent in vocabularies without chat tokens. */
    public OptionalInt eot() {
        return present(LlamaVocabs.llama_vocab_eot(handle()));
    }

    /** Whether the token ends generation (EOS, EOT and the like). */
    public boolean isEog(int token) {
        checkToken(token);
        return LlamaVocabs.llama_vocab_is_eog(handle(), token);
    }

    /** The tokens as a forest by their pieces' prefixes, for {@link Grammar#mask}. */
    PiecePrefixes prefixes() {
        PiecePrefixes built = prefixes;
        if (built == null) {
            synchronized (this) {
                built = prefixes;
                if (built == null) {
                    built = PiecePrefixes.of(this);
                    prefixes = built;
                }
            }
        }
        return built;
    }

    /** The masks shared by the grammars of {@code gbnf} from {@code root} over this vocabulary. */
    GrammarMasks grammarMasks(String gbnf, String root) {
        synchronized (grammarMasks) {
            return grammarMasks.computeIfAbsent(root + '\0' + gbnf, text -> new GrammarMasks());
        }
    }

    /** @throws IllegalArgumentException when {@code token} is not a valid id */
    void checkToken(int token) {
        if (token < 0 || token >= size) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary [0, " + size + ")");
        }
    }

    /** The native vocabulary, after checking that its model is open. */
    MemorySegment handle() {
        model.ensureOpen();
        return handle;
    }

    private static OptionalInt present(int token) {
        return token == TOKEN_NULL ? OptionalInt.empty() : OptionalInt.of(token);
    }
}
