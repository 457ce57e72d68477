package dev.chorus.testkit;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufTensorInfo;
import dev.chorus.gguf.quant.Quantization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FixtureModelsTest {
    @TempDir
    Path directory;

    @Test
    void theSameSpecGivesTheSameBytes() throws IOException {
        FixtureModel spec = FixtureModel.DEFAULT.withSeed(11);
        Path first = directory.resolve("first.gguf");
        Path second = directory.resolve("second.gguf");
        FixtureModels.write(first, spec);
        FixtureModels.write(second, spec);
        assertEquals(sha256(first), sha256(second));
    }

    @Test
    void differentSeedsGiveDifferentWeights() throws IOException {
        Path zero = FixtureModels.cached(FixtureModel.DEFAULT);
        Path one = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(1));
        assertNotEquals(sha256(zero), sha256(one));
        try (GgufFile a = GgufFile.open(zero); GgufFile b = GgufFile.open(one)) {
            for (GgufTensorInfo info : a.tensors()) {
                float[] left = decode(a, info);
                float[] right = decode(b, b.tensorInfo(info.name()));
                boolean isNorm = info.name().endsWith("norm.weight");
                assertEquals(isNorm, Arrays.equals(left, right), info.name() + ": only norms agree across seeds");
            }
        }
    }

    @Test
    void fileReadsBackWithTheLlamaLayout() throws IOException {
        FixtureModel spec = FixtureModel.DEFAULT.withName("gqa").withEmbeddingLength(128).withHeads(8).withKvHeads(2)
                .withLayers(3).withFeedForwardLength(96).withContextLength(64).withTensorType(GgmlType.Q8_0);
        Path file = directory.resolve("gqa.gguf");
        FixtureModels.write(file, spec);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals("llama", gguf.getString("general.architecture"));
            assertEquals("gqa", gguf.getString("general.name"));
            assertEquals(7, gguf.getInt("general.file_type"));
            assertEquals(128, gguf.getInt("llama.embedding_length"));
            assertEquals(3, gguf.getInt("llama.block_count"));
            assertEquals(8, gguf.getInt("llama.attention.head_count"));
            assertEquals(2, gguf.getInt("llama.attention.head_count_kv"));
            assertEquals(96, gguf.getInt("llama.feed_forward_length"));
            assertEquals(64, gguf.getInt("llama.context_length"));
            assertEquals(16, gguf.getInt("llama.rope.dimension_count"));
            assertEquals(32000, gguf.getInt("llama.vocab_size"));
            assertEquals(1e-5f, gguf.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(3 + 9 * 3, gguf.tensors().size());
            assertTensor(gguf, "token_embd.weight", GgmlType.Q8_0, 128, 32000);
            assertTensor(gguf, "output.weight", GgmlType.Q8_0, 128, 32000);
            assertTensor(gguf, "output_norm.weight", GgmlType.F32, 128);
            assertTensor(gguf, "blk.2.attn_q.weight", GgmlType.Q8_0, 128, 128);
            assertTensor(gguf, "blk.2.attn_k.weight", GgmlType.Q8_0, 128, 32);
            assertTensor(gguf, "blk.2.attn_v.weight", GgmlType.Q8_0, 128, 32);
            assertTensor(gguf, "blk.2.attn_output.weight", GgmlType.Q8_0, 128, 128);
            assertTensor(gguf, "blk.2.ffn_gate.weight", GgmlType.Q8_0, 128, 96);
            assertTensor(gguf, "blk.2.ffn_up.weight", GgmlType.Q8_0, 128, 96);
            assertTensor(gguf, "blk.2.ffn_down.weight", GgmlType.Q8_0, 96, 128);
            assertTensor(gguf, "blk.0.attn_norm.weight", GgmlType.F32, 128);
            assertTensor(gguf, "blk.0.ffn_norm.weight", GgmlType.F32, 128);
            float[] norm = decode(gguf, gguf.tensorInfo("blk.1.ffn_norm.weight"));
            for (float value : norm) {
                assertEquals(1.0f, value);
            }
            float[] query = decode(gguf, gguf.tensorInfo("blk.0.attn_q.weight"));
            double variance = 0;
            for (float value : query) {
                variance += value * value;
            }
            double std = Math.sqrt(variance / query.length);
            assertTrue(std > 0.018 && std < 0.022, "attention weights have std 0.02, got " + std);
        }
    }

    @Test
    void vocabularyIsCopiedTokenByToken() throws IOException {
        try (GgufFile model = GgufFile.open(FixtureModels.cached(FixtureModel.DEFAULT));
             GgufFile vocabulary = GgufFile.open(FixtureModels.vocabularyFile())) {
            List<String> tokens = vocabulary.getStringArray("tokenizer.ggml.tokens");
            assertEquals(32000, tokens.size());
            assertEquals(tokens, model.getStringArray("tokenizer.ggml.tokens"));
            vocabulary.metadata().forEach((key, value) -> {
                if (key.startsWith("tokenizer.")) {
                    assertEquals(value, model.get(key), key);
                }
            });
            assertEquals("<s>", tokens.get(model.getInt("tokenizer.ggml.bos_token_id")));
        }
    }

    @Test
    void cachedWritesOncePerSpec() {
        FixtureModel spec = FixtureModel.DEFAULT.withSeed(99).withTensorType(GgmlType.F32);
        Path path = FixtureModels.cached(spec);
        assertSame(path, FixtureModels.cached(FixtureModel.DEFAULT.withTensorType(GgmlType.F32).withSeed(99)));
        assertTrue(Files.isRegularFile(path));
    }

    @Test
    void specsOutsideTheSupportedRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withEmbeddingLength(48));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withEmbeddingLength(16416));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withEmbeddingLength(100));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withLayers(0));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withRopeFreqBase(0));
        assertThrows(NullPointerException.class, () -> FixtureModel.DEFAULT.withVocabulary(null));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withHeads(3));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withKvHeads(3));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withFeedForwardLength(100));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withContextLength(8));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withTensorType(GgmlType.Q4_K));
        assertThrows(IllegalArgumentException.class, () -> FixtureModel.DEFAULT.withName("../escape"));
    }

    @Test
    void namedShapesMatchTheLlama3Models() {
        assertLlama3Shape(FixtureModel.LLAMA_1B, List.of(2048, 16, 32, 8, 8192, 4096, 64), 1_235_814_400L);
        assertTrue(FixtureModel.LLAMA_1B.tiedEmbeddings(), "Llama-3.2-1B ties its embeddings");
        assertLlama3Shape(FixtureModel.LLAMA_8B, List.of(4096, 32, 32, 8, 14336, 4096, 128), 8_030_261_248L);
        assertFalse(FixtureModel.LLAMA_8B.tiedEmbeddings(), "Llama-3.1-8B has its own output matrix");
    }

    @Test
    void namedShapesAreFoundByName() {
        assertSame(FixtureModel.LLAMA_1B, FixtureModel.named("llama-1b"));
        assertSame(FixtureModel.LLAMA_8B, FixtureModel.named("llama-8b"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> FixtureModel.named("llama-70b"));
        assertTrue(unknown.getMessage().contains("llama-1b, llama-8b"), unknown.getMessage());
    }

    @Test
    void storedModelsAreWrittenOnceAndKeyedByTheWholeSpec() throws IOException {
        FixtureModel spec = FixtureModel.DEFAULT.withSeed(21);
        Path file = StoredFixtures.stored(directory, spec);
        long written = Files.getLastModifiedTime(file).toMillis();
        Files.setLastModifiedTime(file, FileTime.fromMillis(written - 60_000));
        assertEquals(file, StoredFixtures.stored(directory, spec));
        assertEquals(written - 60_000, Files.getLastModifiedTime(file).toMillis(), "a stored model is reused, not rewritten");
        assertNotEquals(file, StoredFixtures.stored(directory, spec.withRopeFreqBase(500000f)));
        assertEquals(sha256(FixtureModels.cached(spec)), sha256(file));
    }

    /** {@code dimensions}: n_embd, layers, heads, kv heads, n_ff, context, head size; the count is the published one. */
    private static void assertLlama3Shape(FixtureModel model, List<Integer> dimensions, long publishedParameters) {
        assertEquals(dimensions, List.of(model.embeddingLength(), model.layers(), model.heads(), model.kvHeads(),
                model.feedForwardLength(), model.contextLength(), model.headSize()), model.name());
        assertEquals(GgmlType.F16, model.tensorType());
        assertEquals(FixtureVocabulary.LLAMA3_BPE, model.vocabulary());
        assertEquals(500000f, model.ropeFreqBase());
        assertEquals(publishedParameters, model.parameterCount(), model.name());
    }

    @Test
    void bpeVocabularyAndRopeBaseAreWritten() throws IOException {
        FixtureModel spec = FixtureModel.DEFAULT.withVocabulary(FixtureVocabulary.LLAMA3_BPE).withTiedEmbeddings(true)
                .withRopeFreqBase(500000f);
        try (GgufFile model = GgufFile.open(FixtureModels.cached(spec));
             GgufFile vocabulary = GgufFile.open(FixtureModels.vocabularyFile(FixtureVocabulary.LLAMA3_BPE))) {
            assertEquals(128256, model.getInt("llama.vocab_size"));
            assertEquals(500000f, model.getFloat("llama.rope.freq_base"));
            assertEquals(vocabulary.getStringArray("tokenizer.ggml.tokens"), model.getStringArray("tokenizer.ggml.tokens"));
            assertEquals("gpt2", model.getString("tokenizer.ggml.model"));
            assertEquals(2 + 9 * spec.layers(), model.tensors().size(), "tied embeddings: no output.weight");
            assertThrows(NoSuchElementException.class, () -> model.tensorInfo("output.weight"));
        }
    }

    private static void assertTensor(GgufFile gguf, String name, GgmlType type, long... shape) {
        GgufTensorInfo info = gguf.tensorInfo(name);
        assertEquals(type, info.type(), name);
        assertArrayEquals(shape, info.shape(), name);
    }

    private static float[] decode(GgufFile gguf, GgufTensorInfo info) {
        return Quantization.dequantize(info.type(), gguf.tensor(info), Math.toIntExact(info.elementCount()));
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
