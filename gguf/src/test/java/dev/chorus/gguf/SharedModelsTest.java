package dev.chorus.gguf;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the real 12.7M-parameter llama models in {@code ${chorus.shared.dir}/models}. */
class SharedModelsTest {
    private static final int LAYERS = 6;
    /** token_embd and output_norm, then nine tensors per layer; the output matrix is tied to token_embd. */
    private static final int TENSORS = 2 + 9 * LAYERS;

    @TempDir
    Path directory;

    @ParameterizedTest
    @ValueSource(strings = {"chorus-base-13m-f16.gguf", "chorus-kjv-13m-f16.gguf", "chorus-pydocs-13m-f16.gguf"})
    void readsSharedModel(String name) throws IOException {
        Path path = sharedModel(name);
        try (GgufFile gguf = GgufFile.open(path)) {
            assertEquals(3, gguf.version());
            assertEquals("llama", gguf.getString("general.architecture"));
            assertEquals(32000, gguf.getStringArray("tokenizer.ggml.tokens").size());
            assertEquals(32000, gguf.getArray("tokenizer.ggml.scores").size());
            assertEquals(256, gguf.getInt("llama.embedding_length"));
            assertEquals(LAYERS, gguf.getInt("llama.block_count"));
            assertEquals(TENSORS, gguf.tensors().size());
            GgufTensorInfo embeddings = gguf.tensorInfo("token_embd.weight");
            assertEquals(GgmlType.F16, embeddings.type());
            assertEquals(256, embeddings.dimension(0));
            assertEquals(32000, embeddings.dimension(1));
            long fileSize = Files.size(path);
            for (GgufTensorInfo info : gguf.tensors()) {
                MemorySegment view = gguf.tensor(info);
                long start = view.address() - gguf.image().address();
                assertTrue(start >= gguf.dataStart() && start + view.byteSize() <= fileSize, info.toString());
                assertEquals(0, start % gguf.alignment(), info.toString());
            }
        }
    }

    /** Copying every key and tensor through the writer reproduces the file gguf-py wrote, byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"chorus-base-13m-f16.gguf", "chorus-kjv-13m-f16.gguf"})
    void rewritesSharedModelByteForByte(String name) throws IOException {
        Path path = sharedModel(name);
        Path copy = directory.resolve(name);
        try (GgufFile source = GgufFile.open(path); GgufWriter writer = GgufWriter.create(copy)) {
            writer.copyMetadata(source, key -> true);
            for (GgufTensorInfo info : source.tensors()) {
                writer.addTensor(info.name(), info.type(), info.shape());
            }
            for (GgufTensorInfo info : source.tensors()) {
                writer.writeTensor(info.name(), source.tensor(info));
            }
        }
        assertEquals(-1, Files.mismatch(path, copy), "first differing byte");
    }

    private static Path sharedModel(String name) {
        Path models = Path.of(System.getProperty("chorus.shared.dir", "../../shared"), "models");
        Path path = models.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(path), "shared model folder " + models.toAbsolutePath()
                + " lacks " + name + "; skipping");
        return path;
    }
}
