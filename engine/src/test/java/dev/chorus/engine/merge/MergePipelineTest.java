package dev.chorus.engine.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufTensorInfo;
import dev.chorus.gguf.GgufValue;
import dev.chorus.gguf.GgufValueType;
import dev.chorus.gguf.GgufWriter;
import dev.chorus.gguf.quant.Quantization;
import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeBackends;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.MergeKernels;
import dev.chorus.kernels.merge.MergeReference;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whole merges of real fixture GGUF files, checked in llama.cpp and against the reference. */
class MergePipelineTest {

    private static final FixtureModel F32 = FixtureModel.DEFAULT.withTensorType(GgmlType.F32);

    @TempDir
    Path folder;

    private MergeSummary merge(String recipe) throws IOException {
        Path file = folder.resolve("recipe.yaml");
        Files.writeString(file, recipe);
        try (MergeKernels kernels = MergeBackends.open(MergeBackend.JAVA)) {
            return MergePipeline.run(RecipeParser.parse(file), folder.resolve("merged.gguf"), kernels, MergeProgress.NONE);
        }
    }

    @Test
    void linearWithWeightOneReproducesThatModelsLogits() throws IOException {
        Path a = FixtureModels.cached(F32.withSeed(1));
        Path b = FixtureModels.cached(F32.withSeed(2));
        MergeSummary summary = merge("""
                merge_method: linear
                models:
                  - {model: %s, parameters: {weight: 1.0}}
                  - {model: %s, parameters: {weight: 0.0}}
                dtype: float32
                """.formatted(a, b));
        assertArrayEquals(LlamaLogits.of(a), LlamaLogits.of(summary.output()));
        assertFalse(java.util.Arrays.equals(LlamaLogits.of(b), LlamaLogits.of(summary.output())));
    }

    @Test
    void halfAndHalfOfTwoModelsLoadsAndDecodesToFiniteLogits() throws IOException {
        Path a = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(11));
        Path b = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(12));
        MergeSummary summary = merge("""
                merge_method: linear
                models: [{model: %s, parameters: {weight: 0.5}}, {model: %s, parameters: {weight: 0.5}}]
                out_type: F16
                """.formatted(a, b));
        float[] merged = LlamaLogits.of(summary.output());
        for (float logit : merged) {
            assertTrue(Float.isFinite(logit));
        }
        assertFalse(java.util.Arrays.equals(LlamaLogits.of(a), merged));
        try (GgufFile file = GgufFile.open(summary.output())) {
            assertEquals(1, file.getInt("general.file_type"));
            assertEquals(GgmlType.F16, file.tensorInfo("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.F32, file.tensorInfo("output_norm.weight").type());
        }
    }

    /** Each delta method end to end: every output tensor equals the reference applied to the decoded inputs. */
    @ParameterizedTest
    @ValueSource(strings = {"task_arithmetic", "ties", "dare_linear", "dare_ties", "breadcrumbs_ties", "slerp"})
    void everyTensorMatchesTheReference(String method) throws IOException {
        Path base = FixtureModels.cached(F32.withSeed(21));
        Path b = FixtureModels.cached(F32.withSeed(22));
        Path c = FixtureModels.cached(F32.withSeed(23));
        String models = method.equals("slerp") ? "[{model: %s}]".formatted(b)
                : "[{model: %s, parameters: {weight: 0.7, density: 0.6}}, {model: %s, parameters: {weight: [0.2, 0.9], density: 0.4}}]"
                .formatted(b, c);
        MergeRecipe recipe = RecipeParser.parse("""
                merge_method: %s
                base_model: %s
                models: %s
                parameters: {t: [0.2, 0.8], lambda: 0.9, gamma: 0.05}
                random_seed: 7
                dtype: float32
                """.formatted(method, base, models), folder);
        Path output = folder.resolve("merged.gguf");
        try (MergeKernels kernels = MergeBackends.open(MergeBackend.JAVA)) {
            MergePipeline.run(recipe, output, kernels, MergeProgress.NONE);
        }
        try (MergePlan plan = MergePlan.open(recipe); GgufFile merged = GgufFile.open(output)) {
            for (int index = 0; index < plan.jobs.size(); index++) {
                TensorJob job = plan.jobs.get(index);
                int length = (int) job.elementCount();
                float[][] contributors = job.contributors().stream().map(source -> decode(source, length)).toArray(float[][]::new);
                float[] expected = new float[length];
                MergeInputs inputs = new MergeInputs(job.base() == null ? null : decode(job.base(), length), contributors, length);
                new MergeReference().merge(TensorSteps.step(recipe, job, index), inputs, expected);
                float[] actual = Quantization.dequantize(GgmlType.F32, merged.tensor(job.name()), length);
                for (int i = 0; i < length; i++) {
                    assertEquals(expected[i], actual[i], 1e-5f * (1 + Math.abs(expected[i])), job.name() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void slicesStackLayerRangesAndRecountTheBlocks() throws IOException {
        Path a = FixtureModels.cached(F32.withSeed(31).withLayers(3));
        Path b = FixtureModels.cached(F32.withSeed(32).withLayers(3));
        MergeSummary summary = merge("""
                merge_method: linear
                slices:
                  - sources: [{model: %1$s, layer_range: [0, 2], parameters: {weight: 1}}, {model: %2$s, layer_range: [1, 3], parameters: {weight: 0}}]
                  - sources: [{model: %1$s, layer_range: [2, 3], parameters: {weight: 0}}, {model: %2$s, layer_range: [0, 1], parameters: {weight: 1}}]
                dtype: float32
                """.formatted(a, b));
        try (GgufFile merged = GgufFile.open(summary.output()); GgufFile first = GgufFile.open(a); GgufFile second = GgufFile.open(b)) {
            assertEquals(3, merged.getInt("llama.block_count"));
            assertTrue(sameBytes(merged, "blk.1.ffn_up.weight", first, "blk.1.ffn_up.weight"));
            assertTrue(sameBytes(merged, "blk.2.attn_k.weight", second, "blk.0.attn_k.weight"));
        }
        for (float logit : LlamaLogits.of(summary.output())) {
            assertTrue(Float.isFinite(logit));
        }
    }

    /** A filter that matches no tensor (here a typo of mergekit's self_attn) would silently do nothing: refused with its name. */
    @Test
    void aFilterThatMatchesNothingIsRefusedWithItsName() {
        assertRefusedBeforeWriting("""
                merge_method: slerp
                base_model: %s
                models: [{model: %s}]
                parameters: {t: [{filter: self_atn, value: 0.3}, {value: 0.5}]}
                """, "filter 'self_atn' of t in the recipe's parameters matches no tensor");
    }

    @Test
    void aMissingWeightIsRefusedBeforeAnythingIsWritten() {
        assertRefusedBeforeWriting("""
                merge_method: linear
                models: [{model: %s, parameters: {weight: 1}}, {model: %s, parameters: {weight: [{filter: mlp, value: 1}]}}]
                """, "linear needs parameter weight for " + FixtureModels.cached(FixtureModel.DEFAULT.withSeed(44)));
    }

    /** {@code recipe}, formatted with two fixture paths, is refused with {@code reason} and leaves no file. */
    private void assertRefusedBeforeWriting(String recipe, String reason) {
        Path a = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(41));
        Path b = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(44));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> merge(recipe.formatted(a, b)));
        assertTrue(refused.getMessage().contains(reason), refused.getMessage());
        assertOnlyTheRecipeIsLeft();
    }

    /** Chunks small enough to split every tensor give the file a whole-tensor merge gives, byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"linear", "ties", "dare_ties", "breadcrumbs_ties"})
    void smallChunksWriteTheSameBytesAsWholeTensors(String method) throws IOException {
        FixtureModel shape = FixtureModel.DEFAULT.withTensorType(GgmlType.F16);
        Path base = FixtureModels.cached(shape.withSeed(61));
        Path b = FixtureModels.cached(shape.withSeed(62));
        Path c = FixtureModels.cached(shape.withSeed(63));
        MergeRecipe recipe = RecipeParser.parse("""
                merge_method: %s
                base_model: %s
                models: [{model: %s, parameters: {weight: 0.6, density: 0.3}}, {model: %s, parameters: {weight: 0.5, density: 0.7}}]
                random_seed: 5
                """.formatted(method, base, b, c), folder);
        Path chunked = folder.resolve("chunked.gguf");
        Path whole = folder.resolve("whole.gguf");
        try (MergeKernels kernels = MergeBackends.open(MergeBackend.JAVA)) {
            MergePipeline.run(recipe, chunked, kernels, MergeProgress.NONE, 256);
            MergePipeline.run(recipe, whole, kernels, MergeProgress.NONE, 1 << 26);
        }
        assertEquals(-1, Files.mismatch(chunked, whole), method);
    }

    /**
     * An F32 tensor of 2.3 GB (152064 × 3584, a Qwen2-7B embedding), more than 2^31 bytes, in sparse files:
     * merged in chunks, its last elements (past byte 2^31) come out right.
     */
    @Test
    void aTensorOfMoreThanTwoGibibytesMerges() throws IOException {
        long[] shape = {3584, 152064};
        long elements = shape[0] * shape[1];
        Path a = SparseGguf.write(folder.resolve("a.gguf"), "token_embd.weight", shape, elements - 3, 1.5f);
        Path b = SparseGguf.write(folder.resolve("b.gguf"), "token_embd.weight", shape, elements - 3, -0.5f);
        Path output = folder.resolve("merged.gguf");
        MergeRecipe recipe = RecipeParser.parse("""
                merge_method: linear
                models: [{model: %s, parameters: {weight: 0.5}}, {model: %s, parameters: {weight: 0.5}}]
                out_dtype: float16
                """.formatted(a, b), folder);
        try (MergeKernels kernels = MergeBackends.open(MergeBackend.JAVA)) {
            MergePipeline.run(recipe, output, kernels, MergeProgress.NONE);
        }
        try (GgufFile merged = GgufFile.open(output)) {
            GgufTensorInfo tensor = merged.tensorInfo("token_embd.weight");
            assertEquals(GgmlType.F16, tensor.type());
            long last = elements - 4;
            float[] tail = new float[4];
            Quantization.dequantize(GgmlType.F16, merged.tensor(tensor), GgmlType.F16.byteSizeFor(last), tail, 0, 4);
            assertArrayEquals(new float[] {0f, 0.5f, 0f, 0f}, tail);
        }
    }

    @Test
    void modelsOfDifferentShapesAreRefusedBeforeAnythingIsWritten() {
        Path a = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(41));
        Path wider = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(42).withEmbeddingLength(96).withHeads(3).withKvHeads(3));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> merge("""
                merge_method: linear
                models: [{model: %s}, {model: %s}]
                """.formatted(a, wider)));
        assertTrue(refused.getMessage().contains("shapes differ"), refused.getMessage());
        assertOnlyTheRecipeIsLeft();
    }

    @Test
    void modelsOfDifferentVocabulariesAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path a = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(43));
        Path renamed = withTokenRenamed(a, 1234, folder.resolve("other-vocabulary.gguf"));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> merge("""
                merge_method: linear
                models: [{model: %s}, {model: %s}]
                """.formatted(a, renamed)));
        assertTrue(refused.getMessage().contains("vocabularies differ at token 1234"), refused.getMessage());
        assertFalse(Files.exists(folder.resolve("merged.gguf")));
    }

    @Test
    void anInterruptedMergeLeavesNoFile() throws IOException {
        Path a = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(51));
        Path b = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(52));
        Path file = folder.resolve("recipe.yaml");
        Files.writeString(file, "merge_method: linear\nmodels: [{model: %s}, {model: %s}]\nparameters: {weight: 0.5}\n".formatted(a, b));
        List<Integer> seen = new ArrayList<>();
        try (MergeKernels kernels = MergeBackends.open(MergeBackend.JAVA)) {
            IllegalStateException stop = assertThrows(IllegalStateException.class, () -> MergePipeline.run(
                    RecipeParser.parse(file), folder.resolve("merged.gguf"), kernels, (done, total, read, toRead) -> {
                        seen.add(done);
                        if (done == 4) {
                            throw new IllegalStateException("interrupted");
                        }
                    }));
            assertEquals("interrupted", stop.getMessage());
        }
        assertEquals(List.of(1, 2, 3, 4), seen);
        assertOnlyTheRecipeIsLeft();
    }

    private void assertOnlyTheRecipeIsLeft() {
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of(folder.resolve("recipe.yaml")), files.toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static float[] decode(TensorJob.Source source, int length) {
        float[] values = new float[length];
        Quantization.dequantize(source.tensor().type(), source.file().tensor(source.tensor()), 0, values, 0, length);
        return values;
    }

    private static boolean sameBytes(GgufFile left, String leftName, GgufFile right, String rightName) {
        return left.tensor(leftName).mismatch(right.tensor(rightName)) == -1;
    }

    /** A copy of {@code source} whose vocabulary differs in one token. */
    private static Path withTokenRenamed(Path source, int token, Path target) throws IOException {
        try (GgufFile input = GgufFile.open(source); GgufWriter output = GgufWriter.create(target)) {
            List<GgufValue> tokens = new ArrayList<>();
            List<String> names = input.getStringArray("tokenizer.ggml.tokens");
            for (int i = 0; i < names.size(); i++) {
                tokens.add(new GgufValue.Text(i == token ? names.get(i) + "-renamed" : names.get(i)));
            }
            output.copyMetadata(input, key -> !key.equals("tokenizer.ggml.tokens"));
            output.put("tokenizer.ggml.tokens", new GgufValue.Array(GgufValueType.STRING, tokens));
            for (GgufTensorInfo tensor : input.tensors()) {
                output.addTensor(tensor.name(), tensor.type(), tensor.shape());
            }
            for (GgufTensorInfo tensor : input.tensors()) {
                output.writeTensor(tensor.name(), input.tensor(tensor));
            }
        }
        return target;
    }
}
