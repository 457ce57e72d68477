package dev.chorus.testkit;

import dev.chorus.gguf.GgmlType;
import dev.chorus.natives.LlamaBuild;
import dev.chorus.natives.LlamaLibraries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promise of this module: llama.cpp v0.5.0 loads every fixture shape and decodes a prompt to finite,
 * well-spread logits. Calls the bundled CPU build directly through a minimal FFM surface (chorus-llama, the real
 * bindings, depends on this module for its own tests, so it cannot be used here).
 */
@SuppressWarnings("restricted") // FFM calls into the bundled llama.cpp are the point of this test
class LlamaCppLoadsFixturesTest {
    /** {@code sizeof} of the by-value structs on x86-64 SysV (checked against llama.h in docs/architecture.md). */
    private static final MemoryLayout MODEL_PARAMS = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(80 / 8, JAVA_LONG));
    private static final MemoryLayout CONTEXT_PARAMS = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(160 / 8, JAVA_LONG));
    private static final MemoryLayout BATCH = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(56 / 8, JAVA_LONG));
    private static final int PROMPT_TOKENS = 5;

    private static Arena arena;
    private static SymbolLookup llama;

    @BeforeAll
    static void loadLlama() throws Throwable {
        arena = Arena.ofShared();
        LlamaBuild build = LlamaLibraries.locate();
        SymbolLookup ggml = SymbolLookup.libraryLookup(build.ggml(), arena);
        llama = SymbolLookup.libraryLookup(build.llama(), arena);
        handle(ggml, "ggml_backend_load_all_from_path", FunctionDescriptor.ofVoid(ADDRESS))
                .invokeExact(arena.allocateFrom(build.folder().toString()));
        MethodHandle silent = MethodHandles.empty(MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
        MemorySegment logger = Linker.nativeLinker().upcallStub(silent, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), arena);
        handle(llama, "llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS)).invokeExact(logger, MemorySegment.NULL);
    }

    @AfterAll
    static void unload() {
        arena.close();
    }

    static Stream<FixtureModel> shapes() {
        return Stream.of(
                FixtureModel.DEFAULT,
                FixtureModel.DEFAULT.withTensorType(GgmlType.Q8_0).withSeed(3).withEmbeddingLength(128).withHeads(8).withKvHeads(2).withLayers(3),
                FixtureModel.DEFAULT.withTensorType(GgmlType.F32).withSeed(5).withEmbeddingLength(96).withHeads(3).withFeedForwardLength(64),
                // LLAMA_1B's kind in miniature: Llama 3 BPE vocabulary, tied embeddings, theta 500000, GQA
                FixtureModel.DEFAULT.withName("bpe").withSeed(7).withVocabulary(FixtureVocabulary.LLAMA3_BPE).withTiedEmbeddings(true)
                        .withRopeFreqBase(500000f).withHeads(4).withKvHeads(2));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void loadsAndDecodes(FixtureModel spec) throws Throwable {
        String path = FixtureModels.cached(spec).toString();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment modelParams = (MemorySegment) handle("llama_model_default_params", FunctionDescriptor.of(MODEL_PARAMS))
                    .invokeExact((SegmentAllocator) call);
            MemorySegment model = (MemorySegment) handle("llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, MODEL_PARAMS))
                    .invokeExact(call.allocateFrom(path), modelParams);
            assertNotEquals(MemorySegment.NULL, model, "llama.cpp refused " + spec);
            try {
                MemorySegment vocab = (MemorySegment) handle("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS)).invokeExact(model);
                int vocabSize = (int) handle("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(vocab);
                assertEquals(spec.vocabulary().tokenCount(), vocabSize);
                long parameters = (long) handle("llama_model_n_params", FunctionDescriptor.of(JAVA_LONG, ADDRESS)).invokeExact(model);
                assertEquals(spec.parameterCount(), parameters);
                float[] logits = decodePrompt(call, model, vocabSize);
                double mean = 0;
                double square = 0;
                for (float logit : logits) {
                    assertTrue(Float.isFinite(logit));
                    mean += logit / logits.length;
                    square += (double) logit * logit / logits.length;
                }
                double std = Math.sqrt(square - mean * mean);
                assertTrue(std > 1.5 && std < 2.5, "logits should spread with std near 2, got " + std);
            } finally {
                handle("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS)).invokeExact(model);
            }
        }
    }

    /** Decodes BOS and a few ordinary tokens and returns the last position's logits. */
    private static float[] decodePrompt(Arena call, MemorySegment model, int vocabSize) throws Throwable {
        MemorySegment contextParams = (MemorySegment) handle("llama_context_default_params", FunctionDescriptor.of(CONTEXT_PARAMS))
                .invokeExact((SegmentAllocator) call);
        contextParams.set(JAVA_INT, 0, 64); // n_ctx
        contextParams.set(JAVA_INT, 4, 8);  // n_batch: small, so the compute buffers stay small
        contextParams.set(JAVA_INT, 8, 8);  // n_ubatch
        contextParams.set(JAVA_INT, 28, 1); // n_threads: a tiny model gains nothing from more, a busy CI box loses
        contextParams.set(JAVA_INT, 32, 1); // n_threads_batch
        MemorySegment context = (MemorySegment) handle("llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, CONTEXT_PARAMS))
                .invokeExact(model, contextParams);
        assertNotEquals(MemorySegment.NULL, context, "llama_init_from_model failed");
        try {
            MemorySegment tokens = call.allocateFrom(JAVA_INT, 1, 450, 4996, 17354, 1701);
            MemorySegment batch = (MemorySegment) handle("llama_batch_get_one", FunctionDescriptor.of(BATCH, ADDRESS, JAVA_INT))
                    .invokeExact((SegmentAllocator) call, tokens, PROMPT_TOKENS);
            int status = (int) handle("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH)).invokeExact(context, batch);
            assertEquals(0, status, "llama_decode");
            MemorySegment logits = (MemorySegment) handle("llama_get_logits_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT))
                    .invokeExact(context, -1);
            return logits.reinterpret(4L * vocabSize).toArray(ValueLayout.JAVA_FLOAT);
        } finally {
            handle("llama_free", FunctionDescriptor.ofVoid(ADDRESS)).invokeExact(context);
        }
    }

    private static MethodHandle handle(String function, FunctionDescriptor descriptor) {
        return handle(llama, function, descriptor);
    }

    private static MethodHandle handle(SymbolLookup library, String function, FunctionDescriptor descriptor) {
        MemorySegment symbol = library.find(function).orElseThrow(() -> new AssertionError(function + " not exported"));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor);
    }
}
