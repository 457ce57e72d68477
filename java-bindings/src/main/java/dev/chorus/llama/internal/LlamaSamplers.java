package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_FLOAT;
import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The functions of {@code struct llama_sampler} Chorus binds: llama.cpp's penalties sampler, which the fusion
 * kernels' penalties are checked against, its grammar sampler (GBNF), which constrained decoding masks with, and the
 * generic accept / apply / clone / reset / free.
 */
public final class LlamaSamplers {

    private LlamaSamplers() {}

    /** {@code struct llama_sampler * llama_sampler_init_penalties(int32_t n_vocab, int32_t penalty_last_n, float penalty_repeat, float penalty_freq, float penalty_present);} */
    private static final class llama_sampler_init_penalties {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_INT, C_INT, C_FLOAT, C_FLOAT, C_FLOAT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_sampler_init_penalties", DESC);
    }

    public static MemorySegment llama_sampler_init_penalties(int n_vocab, int penalty_last_n, float penalty_repeat, float penalty_freq, float penalty_present) {
        try {
            return (MemorySegment) llama_sampler_init_penalties.HANDLE.invokeExact(n_vocab, penalty_last_n, penalty_repeat, penalty_freq, penalty_present);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_sampler_init_penalties", t);
        }
    }

    /** {@code struct llama_sampler * llama_sampler_init_grammar(const struct llama_vocab * vocab, const char * grammar_str, const char * grammar_root);} */
    private static final class llama_sampler_init_grammar {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_sampler_init_grammar", DESC);
    }

    public static MemorySegment llama_sampler_init_grammar(MemorySegment vocab, MemorySegment grammar_str, MemorySegment grammar_root) {
        try {
            return (MemorySegment) llama_sampler_init_grammar.HANDLE.invokeExact(vocab, grammar_str, grammar_root);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_sampler_init_grammar", t);
        }
    }

    /** {@code struct llama_sampler * llama_sampler_clone(const struct llama_sampler * smpl);} */
    private static final class llama_sampler_clone {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_sampler_clone", DESC);
    }

    public static MemorySegment llama_sampler_clone(MemorySegment smpl) {
        try {
            return (MemorySegment) llama_sampler_clone.HANDLE.invokeExact(smpl);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_sampler_clone", t);
        }
    }

    /** {@code void llama_sampler_accept(struct llama_sampler * smpl, llama_token token);} */
    private static final class llama_sampler_accept {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_INT);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_sampler_accept", DESC);
    }

    public static void llama_sampler_accept(MemorySegment smpl, int token) {
        try {
            llama_sampler_accept.HANDLE.invokeExact(smpl, token);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_sampler_accept", t);
        }
    }

    /** {@code void llama_sampler_apply(struct llama_sampler * smpl, llama_token_data_array * cur_p);} */
    private static final class llama_sampler_apply {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER, C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_sampler_apply", DESC);
    }

    public static void llama_sampler_apply(MemorySegment smpl, MemorySegment cur_p) {
        try {
            llama_sampler_apply.HANDLE.invokeExact(smpl, cur_p);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_sampler_apply", t);
        }
    }

    /** {@code void llama_sampler_reset(struct llama_sampler * smpl);} */
    private static final class llama_sampler_reset {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_sampler_reset", DESC);
    }

    public static void llama_sampler_reset(MemorySegment smpl) {
        try {
            llama_sampler_reset.HANDLE.invokeExact(smpl);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_sampler_reset", t);
        }
    }

    /** {@code void llama_sampler_free(struct llama_sampler * smpl);} */
    private static final class llama_sampler_free {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
        static final MethodHandle HANDLE = LlamaLibrary.llama("llama_sampler_free", DESC);
    }

    public static void llama_sampler_free(MemorySegment smpl) {
        try {
            llama_sampler_free.HANDLE.invokeExact(smpl);
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_sampler_free", t);
        }
    }
}
