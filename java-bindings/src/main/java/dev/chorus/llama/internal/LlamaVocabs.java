package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_BOOL;
import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The functions of {@code struct llama_vocab}: sizes, special tokens, tokenization.
 * One holder class per function creates its descriptor and downcall handle once, on first use
 * (jextract's shape); each method's Javadoc is the C declaration it binds.
 */
public final class LlamaVocabs {

    private LlamaVocabs() {}

    /** {@code int32_t llama_vocab_n_tokens(const struct llama_vocab * vocab);} */
    private static final class llama_vocab_n_tokens {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_vocab_n_tokens", DESC);
    }

    public static int llama_vocab_n_tokens(MemorySegment vocab) {
        try {
            return (int) llama_vocab_n_tokens.HANDLE.invokeExact(vocab);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_vocab_n_tokens", t);
        }
    }

    /** {@code int32_t llama_tokenize(const struct llama_vocab * vocab, const char * text, int32_t text_len, llama_token * tokens, int32_t n_tokens_max, bool add_special, bool parse_special);} */
    private static final class llama_tokenize {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER, C_INT, C_BOOL, C_BOOL);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_tokenize", DESC);
    }

    public static int llama_tokenize(MemorySegment vocab, MemorySegment text, int text_len, MemorySegment tokens, int n_tokens_max, boolean add_special, boolean parse_special) {
        try {
            return (int) llama_tokenize.HANDLE.invokeExact(vocab, text, text_len, tokens, n_tokens_max, add_special, parse_special);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_tokenize", t);
        }
    }

    /** {@code int32_t llama_token_to_piece(const struct llama_vocab * vocab, llama_token token, char * buf, int32_t length, int32_t lstrip, bool special);} */
    private static final class llama_token_to_piece {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER, C_INT, C_INT, C_BOOL);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_token_to_piece", DESC);
    }

    public static int llama_token_to_piece(MemorySegment vocab, int token, MemorySegment buf, int length, int lstrip, boolean special) {
        try {
            return (int) llama_token_to_piece.HANDLE.invokeExact(vocab, token, buf, length, lstrip, special);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_token_to_piece", t);
        }
    }

    /** {@code int32_t llama_detokenize(const struct llama_vocab * vocab, const llama_token * tokens, int32_t n_tokens, char * text, int32_t text_len_max, bool remove_special, bool unparse_special);} */
    private static final class llama_detokenize {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER, C_INT, C_BOOL, C_BOOL);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_detokenize", DESC);
    }

    public static int llama_detokenize(MemorySegment vocab, MemorySegment tokens, int n_tokens, MemorySegment text, int text_len_max, boolean remove_special, boolean unparse_special) {
        try {
            return (int) llama_detokenize.HANDLE.invokeExact(vocab, tokens, n_tokens, text, text_len_max, remove_special, unparse_special);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_detokenize", t);
        }
    }

    /** {@code llama_token llama_vocab_bos(const struct llama_vocab * vocab);} */
    private static final class llama_vocab_bos {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_vocab_bos", DESC);
    }

    public static int llama_vocab_bos(MemorySegment vocab) {
        try {
            return (int) llama_vocab_bos.HANDLE.invokeExact(vocab);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_vocab_bos", t);
        }
    }

    /** {@code llama_token llama_vocab_eos(const struct llama_vocab * vocab);} */
    private static final class llama_vocab_eos {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_vocab_eos", DESC);
    }

    public static int llama_vocab_eos(MemorySegment vocab) {
        try {
            return (int) llama_vocab_eos.HANDLE.invokeExact(vocab);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_vocab_eos", t);
        }
    }

    /** {@code llama_token llama_vocab_eot(const struct llama_vocab * vocab);} */
    private static final class llama_vocab_eot {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_vocab_eot", DESC);
    }

    public static int llama_vocab_eot(MemorySegment vocab) {
        try {
            return (int) llama_vocab_eot.HANDLE.invokeExact(vocab);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_vocab_eot", t);
        }
    }

    /** {@code bool llama_vocab_is_eog(const struct llama_vocab * vocab, llama_token token);} */
    private static final class llama_vocab_is_eog {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_BOOL, C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_vocab_is_eog", DESC);
    }

    public static boolean llama_vocab_is_eog(MemorySegment vocab, int token) {
        try {
            return (boolean) llama_vocab_is_eog.HANDLE.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_vocab_is_eog", t);
        }
    }

    /** {@code const char * llama_vocab_get_text(const struct llama_vocab * vocab, llama_token token);} */
    private static final class llama_vocab_get_text {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_vocab_get_text", DESC);
    }

    public static MemorySegment llama_vocab_get_text(MemorySegment vocab, int token) {
        try {
            return (MemorySegment) llama_vocab_get_text.HANDLE.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_vocab_get_text", t);
        }
    }
}
