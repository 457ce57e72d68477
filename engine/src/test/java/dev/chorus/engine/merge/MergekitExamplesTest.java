package dev.chorus.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chorus.engine.SharedModels;
import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufTensorInfo;
import dev.chorus.gguf.quant.Quantization;
import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeBackends;
import dev.chorus.kernels.merge.MergeKernels;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The recipes of mergekit's {@code examples/} folder (test resources {@code mergekit-examples/}, only the model
 * paths changed and layer ranges scaled to 6 layers) run on the shared models (and, for the fourth model of
 * ties.yml, the repository's Q8_0 copy of pydocs), and every element of every output tensor lies within one
 * output ulp of {@link Mergekit}, a float64 rendering of mergekit's semantics written from its source here,
 * independently of the pipeline: its own reading of the YAML, its own Hugging Face names, mergekit's
 * {@code evaluate_setting}, planning (t per layer, base added to {@code models:}), TIES ({@code argsort} top-k,
 * here stable, and {@code sign_weight >= 0}), slerp and passthrough.
 */
class MergekitExamplesTest {

    private static final MathContext EXACT = MathContext.DECIMAL128;
    private static final Path REPOSITORY_MODELS = Path.of("..", "models").toAbsolutePath().normalize();

    @TempDir
    Path folder;

    @ParameterizedTest
    @ValueSource(strings = {"linear.yml", "ties.yml", "gradient-slerp.yml", "bio-merge.yml", "orcamini-platy-44layer.yml"})
    void theExampleMatchesMergekitsSemanticsWithinOneUlp(String example) throws IOException {
        Path recipe = stage(example);
        Path output = folder.resolve("merged.gguf");
        try (MergeKernels kernels = MergeBackends.open(MergeBackend.JAVA)) {
            MergePipeline.run(RecipeParser.parse(recipe), output, kernels, MergeProgress.NONE, 1 << 16);
        }
        Map<String, Object> yaml = new Yaml().load(Files.readString(recipe));
        try (Mergekit expected = new Mergekit(yaml, folder); GgufFile merged = GgufFile.open(output)) {
            assertEquals(expected.outputNames(), merged.tensors().stream().map(GgufTensorInfo::name).toList());
            assertEquals(expected.layers(), merged.getInt("llama.block_count"));
            for (GgufTensorInfo tensor : merged.tensors()) {
                double[] reference = expected.tensor(tensor.name());
                float[] actual = Quantization.dequantize(tensor.type(), merged.tensor(tensor), (int) tensor.elementCount());
                for (int i = 0; i < actual.length; i++) {
                    long ulps = ulps(tensor.type(), reference[i], actual[i]);
                    if (ulps > 1) {
                        throw new AssertionError(example + ": " + tensor.name() + "[" + i + "] is " + actual[i]
                                + ", mergekit's is " + reference[i] + " (" + ulps + " ulps of " + tensor.type() + ")");
                    }
                }
            }
        }
    }

    /** The recipe in a folder beside links to the models it names. */
    private Path stage(String example) throws IOException {
        String text;
        try (InputStream in = MergekitExamplesTest.class.getResourceAsStream("/mergekit-examples/" + example)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // The recipes name the shared F16 files.
        for (String model : List.of(SharedModels.BASE, SharedModels.KJV, SharedModels.PYDOCS)) {
            Path file = SharedModels.f16().path(model);
            Files.createSymbolicLink(folder.resolve(file.getFileName()), file);
        }
        Files.createSymbolicLink(folder.resolve("chorus-pydocs-13m-q8_0.gguf"),
                REPOSITORY_MODELS.resolve("chorus-pydocs-13m-q8_0.gguf"));
        return Files.writeString(folder.resolve(example), text);
    }

    /** Distance in units in the last place of {@code type} between the reference rounded to it and the output. */
    private static long ulps(GgmlType type, double reference, float actual) {
        return switch (type) {
            case F16 -> Math.abs(ordered16(Float.floatToFloat16((float) reference)) - ordered16(Float.floatToFloat16(actual)));
            case F32 -> Math.abs(ordered32((float) reference) - ordered32(actual));
            default -> throw new AssertionError("unexpected output type " + type);
        };
    }

    private static long ordered16(short bits) {
        return (bits & 0x8000) != 0 ? -(bits & 0x7FFF) : bits & 0x7FFF;
    }

    private static long ordered32(float value) {
        int bits = Float.floatToRawIntBits(value);
        return bits < 0 ? -(long) (bits & 0x7FFF_FFFF) : bits;
    }

    /** mergekit's merge of one recipe in float64, tensor by tensor, from the decoded GGUF inputs. */
    private static final class Mergekit implements AutoCloseable {
        private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(.+)");
        private static final Map<String, String> HF = Map.ofEntries(
                Map.entry("token_embd.weight", "model.embed_tokens.weight"), Map.entry("output_norm.weight", "model.norm.weight"),
                Map.entry("output.weight", "lm_head.weight"), Map.entry("attn_q.weight", "self_attn.q_proj.weight"),
                Map.entry("attn_k.weight", "self_attn.k_proj.weight"), Map.entry("attn_v.weight", "self_attn.v_proj.weight"),
                Map.entry("attn_output.weight", "self_attn.o_proj.weight"), Map.entry("attn_norm.weight", "input_layernorm.weight"),
                Map.entry("ffn_norm.weight", "post_attention_layernorm.weight"), Map.entry("ffn_gate.weight", "mlp.gate_proj.weight"),
                Map.entry("ffn_up.weight", "mlp.up_proj.weight"), Map.entry("ffn_down.weight", "mlp.down_proj.weight"));

        private record Source(String model, int first, Map<String, Object> parameters) {
        }

        /** One output tensor: its input name per source, the sources, and t. */
        private record Planned(String name, List<Source> sources, String inputSuffix, int offset, BigDecimal t) {
        }

        private final Map<String, Object> yaml;
        private final Map<String, GgufFile> files = new LinkedHashMap<>();
        private final Map<String, Planned> plan = new LinkedHashMap<>();
        private final String method;
        private final String base;
        private int layers;

        @SuppressWarnings("unchecked")
        Mergekit(Map<String, Object> yaml, Path folder) throws IOException {
            this.yaml = yaml;
            this.method = (String) yaml.get("merge_method");
            this.base = (String) yaml.get("base_model");
            List<List<Source>> slices = new ArrayList<>();
            List<Integer> lengths = new ArrayList<>();
            if (yaml.containsKey("models")) {
                List<Source> slice = new ArrayList<>();
                for (Map<String, Object> model : (List<Map<String, Object>>) yaml.get("models")) {
                    slice.add(new Source((String) model.get("model"), 0, parameters(model)));
                }
                if (base != null && slice.stream().noneMatch(source -> source.model.equals(base))) {
                    slice.add(new Source(base, 0, Map.of())); // mergekit: "Base model specified but not in input models - adding"
                }
                slices.add(slice);
                lengths.add(-1);
            } else {
                for (Map<String, Object> slice : (List<Map<String, Object>>) yaml.get("slices")) {
                    List<Source> sources = new ArrayList<>();
                    List<Integer> range = null;
                    for (Map<String, Object> source : (List<Map<String, Object>>) slice.get("sources")) {
                        range = (List<Integer>) source.get("layer_range");
                        sources.add(new Source((String) source.get("model"), range.get(0), parameters(source)));
                    }
                    slices.add(sources);
                    lengths.add(range.get(1) - range.get(0));
                }
            }
            for (List<Source> slice : slices) {
                for (Source source : slice) {
                    files.computeIfAbsent(source.model, model -> open(folder.resolve(model)));
                }
            }
            GgufFile metadata = files.get(base != null ? base : slices.getFirst().getFirst().model);
            List<String> before = new ArrayList<>();
            List<String> after = new ArrayList<>();
            List<String> blockSuffixes = new ArrayList<>();
            for (GgufTensorInfo tensor : metadata.tensors()) {
                Matcher block = BLOCK.matcher(tensor.name());
                if (block.matches()) {
                    if (block.group(1).equals("0")) {
                        blockSuffixes.add(block.group(2));
                    }
                } else {
                    (blockSuffixes.isEmpty() ? before : after).add(tensor.name());
                }
            }
            // mergekit plans pre- and post-layer weights with t = 0, from the first and the last slice.
            before.forEach(name -> plan.put(name, new Planned(name, slices.getFirst(), null, 0, BigDecimal.ZERO)));
            for (int s = 0; s < slices.size(); s++) {
                int length = lengths.get(s) < 0 ? metadata.getInt("llama.block_count") : lengths.get(s);
                for (int offset = 0; offset < length; offset++) {
                    BigDecimal t = length > 1 ? BigDecimal.valueOf(offset).divide(BigDecimal.valueOf(length - 1), EXACT) : BigDecimal.ONE;
                    for (String suffix : blockSuffixes) {
                        String name = "blk." + layers + "." + suffix;
                        plan.put(name, new Planned(name, slices.get(s), suffix, offset, t));
                    }
                    layers++;
                }
            }
            after.forEach(name -> plan.put(name, new Planned(name, slices.getLast(), null, 0, BigDecimal.ZERO)));
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> parameters(Map<String, Object> entry) {
            return entry.containsKey("parameters") ? (Map<String, Object>) entry.get("parameters") : Map.of();
        }

        private static GgufFile open(Path path) {
            try {
                return GgufFile.open(path);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        List<String> outputNames() {
            return List.copyOf(plan.keySet());
        }

        int layers() {
            return layers;
        }

        double[] tensor(String name) {
            Planned planned = plan.get(name);
            String hf = huggingFace(name);
            Map<String, double[]> inputs = new LinkedHashMap<>();
            for (Source source : planned.sources) {
                String input = planned.inputSuffix == null ? name : "blk." + (source.first + planned.offset) + "." + planned.inputSuffix;
                GgufFile file = files.get(source.model);
                GgufTensorInfo info = file.tensorInfo(input);
                float[] values = Quantization.dequantize(info.type(), file.tensor(info), (int) info.elementCount());
                inputs.put(source.model, java.util.stream.IntStream.range(0, values.length).mapToDouble(i -> values[i]).toArray());
            }
            Map<String, Map<String, Object>> own = new LinkedHashMap<>();
            planned.sources.forEach(source -> own.put(source.model, source.parameters));
            return switch (method) {
                case "linear" -> linear(inputs, own, hf, planned.t);
                case "ties" -> ties(inputs, own, hf, planned.t);
                case "slerp" -> slerp(inputs, hf, planned.t);
                case "passthrough" -> inputs.values().iterator().next();
                default -> throw new AssertionError(method);
            };
        }

        private double[] linear(Map<String, double[]> inputs, Map<String, Map<String, Object>> own, String hf, BigDecimal t) {
            int n = inputs.values().iterator().next().length;
            double[] out = new double[n];
            double weights = 0;
            for (var input : inputs.entrySet()) {
                double w = parameter("weight", own.get(input.getKey()), hf, t);
                weights += w;
                for (int i = 0; i < n; i++) {
                    out[i] += w * input.getValue()[i];
                }
            }
            boolean normalize = global("normalize", hf, t, true);
            for (int i = 0; i < n; i++) {
                out[i] = normalize ? out[i] / weights : out[i];
            }
            return out;
        }

        /** GeneralizedTaskArithmeticMerge with magnitude sparsification and sum consensus. */
        private double[] ties(Map<String, double[]> inputs, Map<String, Map<String, Object>> own, String hf, BigDecimal t) {
            double[] b = inputs.get(base);
            int n = b.length;
            List<double[]> weighted = new ArrayList<>();
            List<double[]> deltas = new ArrayList<>();
            List<Double> weights = new ArrayList<>();
            List<BigDecimal> exactWeights = new ArrayList<>();
            for (var input : inputs.entrySet()) {
                if (input.getKey().equals(base)) {
                    continue;
                }
                BigDecimal exactWeight = exact("weight", own.get(input.getKey()), hf, t);
                double w = exactWeight.doubleValue();
                double density = parameterOr("density", own.get(input.getKey()), hf, t, 1);
                double[] delta = new double[n];
                for (int i = 0; i < n; i++) {
                    delta[i] = input.getValue()[i] - b[i];
                }
                if (density < 1) {
                    int k = (int) (density * n);
                    Integer[] order = new Integer[n];
                    Arrays.setAll(order, i -> i);
                    Arrays.sort(order, (x, y) -> Double.compare(Math.abs(delta[y]), Math.abs(delta[x]))); // stable
                    boolean[] keep = new boolean[n];
                    for (int r = 0; r < k; r++) {
                        keep[order[r]] = true;
                    }
                    for (int i = 0; i < n; i++) {
                        delta[i] = keep[i] ? delta[i] : 0;
                    }
                }
                deltas.add(delta.clone());
                for (int i = 0; i < n; i++) {
                    delta[i] *= w;
                }
                weighted.add(delta);
                weights.add(w);
                exactWeights.add(exactWeight);
            }
            boolean normalize = global("normalize", hf, t, true);
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                double sum = 0;
                double magnitude = 0;
                for (double[] d : weighted) {
                    sum += d[i];
                    magnitude += Math.abs(d[i]);
                }
                if (Math.abs(sum) <= 1e-9 * magnitude) {
                    // Near cancellation the rounding of 0.3 * 0.6 decides the sign: elect it in exact arithmetic.
                    BigDecimal exact = BigDecimal.ZERO;
                    for (int m = 0; m < weighted.size(); m++) {
                        exact = exact.add(exactWeights.get(m).multiply(new BigDecimal(deltas.get(m)[i])));
                    }
                    sum = exact.signum();
                }
                double majority = sum >= 0 ? 1 : -1;
                double mixed = 0;
                double divisor = 0;
                for (int m = 0; m < weighted.size(); m++) {
                    if (Math.signum(weighted.get(m)[i]) == majority) {
                        mixed += weighted.get(m)[i];
                        divisor += weights.get(m);
                    }
                }
                divisor = divisor == 0 ? 1 : divisor;
                out[i] = b[i] + (normalize ? mixed / divisor : mixed);
            }
            return out;
        }

        private double[] slerp(Map<String, double[]> inputs, String hf, BigDecimal t) {
            double[] v0 = inputs.get(base);
            double[] v1 = inputs.entrySet().stream().filter(e -> !e.getKey().equals(base)).findFirst().orElseThrow().getValue();
            double factor = global("t", hf, t, Double.NaN);
            double norm0 = Math.sqrt(Arrays.stream(v0).map(x -> x * x).sum());
            double norm1 = Math.sqrt(Arrays.stream(v1).map(x -> x * x).sum());
            double scale0 = norm0 > 1e-8 ? norm0 : 1;
            double scale1 = norm1 > 1e-8 ? norm1 : 1;
            double dot = 0;
            for (int i = 0; i < v0.length; i++) {
                dot += v0[i] / scale0 * (v1[i] / scale1);
            }
            double s0;
            double s1;
            if (Math.abs(dot) > 0.9995) {
                s0 = 1 - factor;
                s1 = factor;
            } else {
                double theta = Math.acos(dot);
                s0 = Math.sin(theta - theta * factor) / Math.sin(theta);
                s1 = Math.sin(theta * factor) / Math.sin(theta);
            }
            double[] out = new double[v0.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = s0 * v0[i] + s1 * v1[i];
            }
            return out;
        }

        private double parameter(String name, Map<String, Object> own, String hf, BigDecimal t) {
            return exact(name, own, hf, t).doubleValue();
        }

        private BigDecimal exact(String name, Map<String, Object> own, String hf, BigDecimal t) {
            BigDecimal value = lookUp(name, own, hf, t);
            if (value == null) {
                throw new AssertionError("mergekit requires " + name + " for " + hf);
            }
            return value;
        }

        private double parameterOr(String name, Map<String, Object> own, String hf, BigDecimal t, double fallback) {
            BigDecimal value = lookUp(name, own, hf, t);
            return value == null ? fallback : value.doubleValue();
        }

        @SuppressWarnings("unchecked")
        private BigDecimal lookUp(String name, Map<String, Object> own, String hf, BigDecimal t) {
            Object setting = own.get(name);
            BigDecimal value = setting == null ? null : evaluate(setting, hf, t);
            if (value == null) {
                Map<String, Object> globals = (Map<String, Object>) yaml.getOrDefault("parameters", Map.of());
                value = globals.containsKey(name) ? evaluate(globals.get(name), hf, t) : null;
            }
            return value;
        }

        private boolean global(String name, String hf, BigDecimal t, boolean fallback) {
            return parameterOr(name, Map.of(), hf, t, fallback ? 1 : 0) != 0;
        }

        private double global(String name, String hf, BigDecimal t, double fallback) {
            return parameterOr(name, Map.of(), hf, t, fallback);
        }

        /** mergekit's evaluate_setting, in decimal arithmetic (the recipe's numbers as written). */
        @SuppressWarnings("unchecked")
        private static BigDecimal evaluate(Object setting, String hf, BigDecimal t) {
            if (setting instanceof Number number) {
                return new BigDecimal(number.toString());
            }
            if (setting instanceof Boolean flag) {
                return flag ? BigDecimal.ONE : BigDecimal.ZERO;
            }
            List<Object> list = (List<Object>) setting;
            if (list.stream().allMatch(Number.class::isInstance)) {
                BigDecimal scaled = t.multiply(BigDecimal.valueOf(list.size() - 1));
                int i0 = scaled.intValue();
                int i1 = Math.min(list.size() - 1, i0 + 1);
                BigDecimal fraction = scaled.subtract(BigDecimal.valueOf(i0));
                return BigDecimal.ONE.subtract(fraction).multiply(new BigDecimal(list.get(i0).toString()))
                        .add(fraction.multiply(new BigDecimal(list.get(i1).toString())));
            }
            for (Object item : list) {
                Map<String, Object> condition = (Map<String, Object>) item;
                Object filter = condition.get("filter");
                if (filter == null || filter.equals("*") || hf.contains((String) filter)) {
                    return evaluate(condition.get("value"), hf, t);
                }
            }
            return null;
        }

        private static String huggingFace(String gguf) {
            Matcher block = BLOCK.matcher(gguf);
            String name = block.matches() ? "model.layers." + block.group(1) + "." + HF.get(block.group(2)) : HF.get(gguf);
            assertTrue(name != null && !name.contains("null"), "no Hugging Face name for " + gguf);
            return name;
        }

        @Override
        public void close() {
            files.values().forEach(GgufFile::close);
        }
    }
}
