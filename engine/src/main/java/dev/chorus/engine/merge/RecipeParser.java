package dev.chorus.engine.merge;

import dev.chorus.engine.config.YamlLimits;
import dev.chorus.gguf.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads mergekit's recipe YAML for what both support, with GGUF paths (relative to the recipe's folder)
 * where mergekit has model names:
 *
 * <pre>{@code
 * merge_method: ties            # linear, slerp, task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs, breadcrumbs_ties, passthrough
 * base_model: base.gguf
 * models:                       # or slices: [{sources: [{model: a.gguf, layer_range: [0, 16]}, ...]}, ...]
 *   - model: a.gguf
 *     parameters: {weight: [0.2, 0.8], density: 0.5}   # a list is a gradient along the layers
 *   - model: b.gguf
 *     parameters: {weight: 0.5, density: 0.7}
 * parameters: {normalize: true, int8_mask: true, lambda: 1.0, t: [{filter: self_attn, value: [0, 1]}, {value: 0.5}]}
 * dtype: float16                # mergekit's compute type (float32, float16, bfloat16); Chorus computes in float32
 * out_dtype: bfloat16           # the output type (default: dtype, else float16) ...
 * out_type: Q8_0                # ... unless out_type (F32, F16, BF16, Q8_0) says; vectors such as norms stay F32
 * tokenizer_source: base        # the only source Chorus takes: the models share one vocabulary
 * random_seed: 42               # DARE's Philox key
 * }</pre>
 */
public final class RecipeParser {

    private static final Set<String> TOP_KEYS = Set.of("merge_method", "base_model", "models", "slices", "parameters",
            "dtype", "out_dtype", "out_type", "tokenizer_source", "random_seed");
    private static final Map<String, GgmlType> DTYPES = Map.of("float32", GgmlType.F32, "float16", GgmlType.F16,
            "bfloat16", GgmlType.BF16);
    private static final Set<GgmlType> OUT_TYPES = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0);

    private RecipeParser() {
    }

    /** Parses the recipe file; every problem is an {@link IllegalArgumentException} naming the file. */
    public static MergeRecipe parse(Path file) throws IOException {
        String text = YamlLimits.read(file, "recipe");
        try {
            return parse(text, file.toAbsolutePath().getParent());
        } catch (IllegalArgumentException | YAMLException | ClassCastException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses recipe text whose relative paths resolve against {@code folder}. */
    public static MergeRecipe parse(String text, Path folder) {
        Object root = new Yaml(new SafeConstructor(YamlLimits.loaderOptions())).load(text);
        Map<String, Object> top = mapping(root, "the recipe", TOP_KEYS);
        MergeMethod method = MergeMethod.parse(string(required(top, "merge_method"), "merge_method"));
        Optional<Path> base = Optional.ofNullable(top.get("base_model")).map(value -> path(value, folder, "base_model"));
        if (top.containsKey("models") == top.containsKey("slices")) {
            throw new IllegalArgumentException("give either models or slices");
        }
        List<List<RecipeModel>> slices = new ArrayList<>();
        if (top.containsKey("models")) {
            slices.add(sources(top.get("models"), folder, "models"));
        } else {
            for (Object slice : list(top.get("slices"), "slices")) {
                slices.add(sources(mapping(slice, "a slice", Set.of("sources")).get("sources"), folder, "sources"));
            }
        }
        if (top.containsKey("tokenizer_source")) {
            tokenizerSource(string(top.get("tokenizer_source"), "tokenizer_source"), base.isPresent());
        }
        Parameters parameters = parameters(top.get("parameters"));
        GgmlType outType = outType(top);
        long seed = top.containsKey("random_seed") ? number(top.get("random_seed"), "random_seed").longValue() : 0;
        return new MergeRecipe(method, base, slices, parameters, outType, seed);
    }

    private static List<RecipeModel> sources(Object node, Path folder, String what) {
        List<RecipeModel> models = new ArrayList<>();
        for (Object entry : list(node, what)) {
            Map<String, Object> model = mapping(entry, "an entry of " + what, Set.of("model", "parameters", "layer_range"));
            int first = 0;
            int end = RecipeModel.ALL_LAYERS;
            if (model.containsKey("layer_range")) {
                List<Object> range = list(model.get("layer_range"), "layer_range");
                if (range.size() != 2) {
                    throw new IllegalArgumentException("layer_range must be [start, end], not " + YamlLimits.describe(range));
                }
                first = number(range.get(0), "layer_range").intValue();
                end = number(range.get(1), "layer_range").intValue();
            }
            models.add(new RecipeModel(path(required(model, "model"), folder, "model"), first, end,
                    parameters(model.get("parameters"))));
        }
        return models;
    }

    private static Parameters parameters(Object node) {
        if (node == null) {
            return Parameters.NONE;
        }
        Map<String, List<Setting>> settings = new LinkedHashMap<>();
        mapping(node, "parameters", null).forEach((name, value) -> settings.put(name, settings(name, value)));
        return new Parameters(settings);
    }

    /** A number, a boolean (as 1 or 0), a list of numbers (a gradient) or a list of {filter, value} settings. */
    private static List<Setting> settings(String name, Object value) {
        if (value instanceof List<?> items && !items.isEmpty() && items.getFirst() instanceof Map) {
            List<Setting> settings = new ArrayList<>();
            for (Object item : items) {
                Map<String, Object> setting = mapping(item, "a setting of " + name, Set.of("filter", "value"));
                String filter = setting.containsKey("filter") ? string(setting.get("filter"), "filter") : null;
                settings.add(new Setting(filter, values(name, required(setting, "value"))));
            }
            return settings;
        }
        return List.of(new Setting(null, values(name, value)));
    }

    private static List<Double> values(String name, Object value) {
        if (value instanceof Boolean flag) {
            return List.of(flag ? 1.0 : 0.0);
        }
        if (value instanceof List<?> items) {
            return items.stream().map(item -> number(item, name).doubleValue()).toList();
        }
        return List.of(number(value, name).doubleValue());
    }

    /**
     * mergekit's {@code tokenizer_source}: {@code base} is what Chorus does anyway (the output keeps the base's
     * vocabulary, which every input shares); a union of vocabularies would need embeddings remapped across them.
     */
    private static void tokenizerSource(String source, boolean hasBase) {
        if (source.equals("union")) {
            throw new IllegalArgumentException("tokenizer_source: union is not supported: it builds a vocabulary across"
                    + " models and remaps their embeddings, and Chorus merges models that share one vocabulary;"
                    + " use tokenizer_source: base");
        }
        if (!source.equals("base")) {
            throw new IllegalArgumentException("tokenizer_source must be base (union is not supported), not '" + source + "'");
        }
        if (!hasBase) {
            throw new IllegalArgumentException("tokenizer_source: base needs base_model");
        }
    }

    /**
     * The output type: {@code out_type} (Chorus's, with quantised types), else mergekit's {@code out_dtype}, else
     * its compute {@code dtype} (mergekit writes in the compute type unless told), else F16. Chorus computes in
     * float32 whatever {@code dtype} says, which is at least as precise as mergekit's float16 or bfloat16.
     */
    private static GgmlType outType(Map<String, Object> top) {
        GgmlType compute = top.containsKey("dtype") ? dtype(top.get("dtype"), "dtype") : GgmlType.F16;
        if (top.containsKey("out_type")) {
            String name = string(top.get("out_type"), "out_type").toUpperCase(Locale.ROOT);
            GgmlType type = OUT_TYPES.stream().filter(candidate -> candidate.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("out_type must be one of " + OUT_TYPES + ", not " + name));
            return type;
        }
        return top.containsKey("out_dtype") ? dtype(top.get("out_dtype"), "out_dtype") : compute;
    }

    private static GgmlType dtype(Object value, String key) {
        String dtype = string(value, key);
        GgmlType type = DTYPES.get(dtype);
        if (type == null) {
            throw new IllegalArgumentException(key + " must be one of " + new java.util.TreeSet<>(DTYPES.keySet())
                    + ", not " + dtype);
        }
        return type;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mapping(Object node, String what, Set<String> allowed) {
        if (!(node instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(what + " must be a mapping, not " + describe(node));
        }
        for (Object key : map.keySet()) {
            if (!(key instanceof String name) || (allowed != null && !allowed.contains(name))) {
                throw new IllegalArgumentException("unknown key '" + key + "' in " + what
                        + (allowed == null ? "" : "; allowed: " + allowed.stream().sorted().toList()));
            }
        }
        return (Map<String, Object>) map;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object node, String what) {
        if (!(node instanceof List<?> items) || items.isEmpty()) {
            throw new IllegalArgumentException(what + " must be a non-empty list, not " + describe(node));
        }
        return (List<Object>) items;
    }

    private static Object required(Map<String, Object> map, String key) {
        Object value = map.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return value;
    }

    private static String string(Object value, String what) {
        if (!(value instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException(what + " must be a non-empty string, not " + describe(value));
        }
        return text;
    }

    private static Number number(Object value, String what) {
        if (!(value instanceof Number number)) {
            throw new IllegalArgumentException(what + " must be a number, not " + describe(value));
        }
        return number;
    }

    private static Path path(Object value, Path folder, String what) {
        return folder.resolve(string(value, what)).normalize();
    }

    private static String describe(Object node) {
        return YamlLimits.describe(node);
    }
}
