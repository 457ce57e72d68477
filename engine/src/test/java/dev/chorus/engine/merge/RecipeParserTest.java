package dev.chorus.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chorus.gguf.GgmlType;
import dev.chorus.kernels.merge.Sparsification;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** mergekit-style recipes: what parses, how gradients and filters resolve, and the errors for bad input. */
class RecipeParserTest {

    private static final Path FOLDER = Path.of("/models");

    @Test
    void aTiesRecipeWithGradientsAndFilters() {
        MergeRecipe recipe = RecipeParser.parse("""
                merge_method: ties
                base_model: base.gguf
                models:
                  - model: a.gguf
                    parameters: {weight: [0.0, 1.0], density: 0.5}
                  - model: sub/b.gguf
                    parameters:
                      weight: [{filter: attn, value: [1.0, 0.5, 0.0]}, {value: 0.3}]
                parameters: {normalize: false, lambda: 2}
                dtype: bfloat16
                random_seed: 9
                """, FOLDER);
        assertEquals(MergeMethod.TIES, recipe.method());
        assertEquals(Optional.of(Path.of("/models/base.gguf")), recipe.base());
        assertEquals(GgmlType.BF16, recipe.outType());
        assertEquals(9, recipe.seed());
        RecipeModel b = recipe.slices().getFirst().get(1);
        assertEquals(Path.of("/models/sub/b.gguf"), b.path());
        assertEquals(0.75, b.parameters().value("weight", "blk.3.attn_q.weight", 0.25).orElseThrow(), 1e-12);
        assertEquals(0.3, b.parameters().value("weight", "blk.3.ffn_up.weight", 0.25).orElseThrow(), 1e-12);
        RecipeModel a = recipe.slices().getFirst().getFirst();
        assertEquals(0.4, a.parameters().value("weight", "x", 0.4).orElseThrow(), 1e-12);
        assertEquals(0.0, recipe.parameters().value("normalize", "x", 0).orElseThrow());
        assertEquals(List.of(Path.of("/models/base.gguf"), Path.of("/models/a.gguf"), Path.of("/models/sub/b.gguf")),
                recipe.files());
        assertEquals(Sparsification.MAGNITUDE, recipe.method().sparsification());
    }

    @Test
    void outTypeOverridesDtypeAndSlicesKeepTheirRanges() {
        MergeRecipe recipe = RecipeParser.parse("""
                merge_method: slerp
                base_model: a.gguf
                slices:
                  - sources: [{model: a.gguf, layer_range: [0, 4]}, {model: b.gguf, layer_range: [2, 6]}]
                parameters: {t: 0.5}
                dtype: float32
                out_type: q8_0
                """, FOLDER);
        assertEquals(GgmlType.Q8_0, recipe.outType());
        RecipeModel b = recipe.slices().getFirst().get(1);
        assertEquals(2, b.firstLayer());
        assertEquals(6, b.endLayer());
        assertEquals(List.of(b), recipe.contributors(recipe.slices().getFirst()));
    }

    /** mergekit's dtype is the compute type; out_dtype names the output, which otherwise follows dtype. */
    @Test
    void outDtypeNamesTheOutputAndDtypeIsTheComputeType() {
        String models = "merge_method: ties\nbase_model: b.gguf\nmodels: [{model: a.gguf}]\ntokenizer_source: base\n";
        assertEquals(GgmlType.BF16, RecipeParser.parse(models + "dtype: float32\nout_dtype: bfloat16\n", FOLDER).outType());
        assertEquals(GgmlType.F32, RecipeParser.parse(models + "dtype: float32\n", FOLDER).outType());
        assertEquals(GgmlType.F16, RecipeParser.parse(models, FOLDER).outType());
    }

    @Test
    void filtersMatchHuggingFaceNamesAsWellAsGgufNames() {
        Setting attention = new Setting("self_attn", List.of(1.0));
        assertTrue(attention.matches("blk.3.attn_q.weight"));
        assertTrue(attention.matches("blk.3.attn_output.weight"));
        assertTrue(!attention.matches("blk.3.attn_norm.weight"), "input_layernorm is not self_attn in mergekit");
        assertTrue(new Setting("mlp", List.of(1.0)).matches("blk.0.ffn_down.weight"));
        assertTrue(new Setting("input_layernorm", List.of(1.0)).matches("blk.0.attn_norm.weight"));
        assertTrue(new Setting("post_attention_layernorm", List.of(1.0)).matches("blk.0.ffn_norm.weight"));
        assertTrue(new Setting("embed_tokens", List.of(1.0)).matches("token_embd.weight"));
        assertTrue(new Setting("lm_head", List.of(1.0)).matches("output.weight"));
        assertTrue(new Setting("model.layers.12.", List.of(1.0)).matches("blk.12.ffn_up.weight"));
        assertTrue(!new Setting("model.layers.1.", List.of(1.0)).matches("blk.12.ffn_up.weight"));
        assertTrue(new Setting("ffn", List.of(1.0)).matches("blk.0.ffn_norm.weight"));
        assertTrue(new Setting("*", List.of(1.0)).matches("rope_freqs.weight"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "merge_method: soup\\nmodels: [{model: a.gguf}]|merge_method must be one of",
            "models: [{model: a.gguf}]|missing merge_method",
            "merge_method: ties\\nmodels: [{model: a.gguf}]|ties needs base_model",
            "merge_method: linear\\nmodels: [{model: a.gguf}]\\nshards: 3|unknown key 'shards'",
            "merge_method: linear|give either models or slices",
            "merge_method: linear\\nmodels: [{model: a.gguf, parameters: {weigth: 1}}]|unknown parameter 'weigth'",
            "merge_method: linear\\nmodels: [{model: a.gguf, parameters: {weight: heavy}}]|weight must be a number",
            "merge_method: linear\\nmodels: [{model: a.gguf}]\\nout_type: Q4_0|out_type must be one of",
            "merge_method: linear\\nmodels: [{model: a.gguf}]\\ndtype: int8|dtype must be one of",
            "merge_method: slerp\\nbase_model: a.gguf\\nmodels: [{model: a.gguf}, {model: b.gguf}, {model: c.gguf}]|exactly one other model",
            "merge_method: linear\\nmodels: [{model: a.gguf, layer_range: [4, 2]}]|layer_range",
            "merge_method: linear\\nmodels: [{model: a.gguf}, {model: a.gguf}]|same model twice",
            "merge_method: ties\\nbase_model: b.gguf\\nmodels: [{model: a.gguf}]\\ntokenizer_source: union|tokenizer_source: union is not supported",
            "merge_method: linear\\nmodels: [{model: a.gguf}]\\ntokenizer_source: base|tokenizer_source: base needs base_model",
            "merge_method: linear\\nmodels: [{model: a.gguf}]\\nout_dtype: float8|out_dtype must be one of",
            "merge_method: passthrough\\nslices: [{sources: [{model: a.gguf}, {model: b.gguf}]}]|passthrough copies one source per slice",
    })
    void badRecipesAreRefusedWithAReason(String yaml, String reason) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> RecipeParser.parse(yaml.replace("\\n", "\n"), FOLDER));
        assertTrue(refused.getMessage().contains(reason), refused.getMessage());
    }
}
