package dev.chorus.engine.merge;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufRequantizer;
import dev.chorus.gguf.GgufTensorInfo;
import dev.chorus.gguf.quant.Quantization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A recipe checked against its files: every input open, architectures and vocabularies equal, every
 * output tensor listed with its sources of matching shape and decodable type. Nothing is written while
 * planning, so a recipe that cannot work fails here with a clear message and leaves no file.
 *
 * <p>Output layers are the slices' layers one after the other ({@code blk.N.*} renumbered), layer j of a slice
 * of L at gradient position {@code j / (L − 1)} (1 for a slice of one layer); the other tensors (embeddings,
 * final norm, output head) come from the first slice's sources when they precede the layers in the metadata
 * source, else from the last slice's, at gradient position 0 — all as mergekit plans them. Every parameter
 * filter must match some output tensor and every slice must yield one, or the recipe is refused.
 */
final class MergePlan implements AutoCloseable {

    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(.+)");

    private final Map<Path, GgufFile> files;
    final GgufFile metadataSource;
    final int outputLayers;
    final List<TensorJob> jobs;

    private MergePlan(Map<Path, GgufFile> files, GgufFile metadataSource, int outputLayers, List<TensorJob> jobs) {
        this.files = files;
        this.metadataSource = metadataSource;
        this.outputLayers = outputLayers;
        this.jobs = jobs;
    }

    static MergePlan open(MergeRecipe recipe) throws IOException {
        Map<Path, GgufFile> files = new LinkedHashMap<>();
        try {
            for (Path path : recipe.files()) {
                files.put(path, GgufFile.open(path));
            }
            GgufFile metadataSource = files.get(recipe.metadataSource());
            MergeInputsCheck.requireCompatible(metadataSource, files);
            return new Planner(recipe, files, metadataSource).plan();
        } catch (IOException | RuntimeException e) {
            files.values().forEach(GgufFile::close);
            throw e;
        }
    }

    long inputBytes() {
        return jobs.stream().mapToLong(TensorJob::inputBytes).sum();
    }

    @Override
    public void close() {
        files.values().forEach(GgufFile::close);
    }

    /** Builds the job list. */
    private record Planner(MergeRecipe recipe, Map<Path, GgufFile> files, GgufFile metadataSource) {

        MergePlan plan() {
            List<List<RecipeModel>> slices = recipe.slices().stream().map(this::resolveRanges).toList();
            List<TensorJob> before = new ArrayList<>();
            List<TensorJob> layers = new ArrayList<>();
            List<TensorJob> after = new ArrayList<>();
            boolean seenBlock = false;
            for (GgufTensorInfo tensor : metadataSource.tensors()) {
                if (BLOCK.matcher(tensor.name()).matches()) {
                    seenBlock = true;
                } else if (seenBlock) {
                    after.add(job(tensor.name(), tensor.name(), 0, slices.getLast(), 0));
                } else {
                    before.add(job(tensor.name(), tensor.name(), 0, slices.getFirst(), 0));
                }
            }
            int output = 0;
            for (List<RecipeModel> slice : slices) {
                int length = slice.getFirst().endLayer() - slice.getFirst().firstLayer();
                int jobsBefore = layers.size();
                for (int offset = 0; offset < length; offset++) {
                    double t = length == 1 ? 1 : (double) offset / (length - 1);
                    RecipeModel template = slice.getFirst();
                    for (String suffix : blockSuffixes(files.get(template.path()), template.firstLayer() + offset)) {
                        layers.add(job("blk." + output + "." + suffix, suffix, t, slice, offset));
                    }
                    output++;
                }
                if (layers.size() == jobsBefore) {
                    throw new IllegalArgumentException("the slice of " + template(slice) + " matches no tensor");
                }
            }
            List<TensorJob> jobs = new ArrayList<>(before);
            jobs.addAll(layers);
            jobs.addAll(after);
            requireFiltersMatch(jobs);
            return new MergePlan(files, metadataSource, output, jobs);
        }

        private static String template(List<RecipeModel> slice) {
            return slice.stream().map(model -> model.path().getFileName() + " layers [" + model.firstLayer() + ", "
                    + model.endLayer() + ")").toList().toString();
        }

        /** A filter that matches no output tensor would silently do nothing (a mistyped or foreign name): refused. */
        private void requireFiltersMatch(List<TensorJob> jobs) {
            java.util.Map<String, Parameters> owners = new LinkedHashMap<>();
            owners.put("the recipe's parameters", recipe.parameters());
            recipe.slices().forEach(slice -> slice.forEach(model -> owners.put("the parameters of " + model.path(),
                    model.parameters())));
            owners.forEach((owner, parameters) -> parameters.filters().forEach((parameter, filters) -> {
                for (String filter : filters) {
                    if (jobs.stream().noneMatch(job -> TensorNames.filterMatches(filter, job.name()))) {
                        throw new IllegalArgumentException("filter '" + filter + "' of " + parameter + " in " + owner
                                + " matches no tensor (filters match GGUF names such as blk.0.attn_q.weight and"
                                + " Hugging Face names such as model.layers.0.self_attn.q_proj.weight)");
                    }
                }
            }));
        }

        /** The slice with every "all layers" range made explicit and the ranges checked against the files. */
        private List<RecipeModel> resolveRanges(List<RecipeModel> slice) {
            List<RecipeModel> resolved = new ArrayList<>();
            for (RecipeModel model : slice) {
                int blocks = MergeInputsCheck.blockCount(files.get(model.path()));
                int end = model.endLayer() == RecipeModel.ALL_LAYERS ? blocks : model.endLayer();
                if (end > blocks) {
                    throw new IllegalArgumentException("layer_range [" + model.firstLayer() + ", " + end + "] of "
                            + model.path() + " exceeds its " + blocks + " layers");
                }
                resolved.add(new RecipeModel(model.path(), model.firstLayer(), end, model.parameters()));
            }
            int length = resolved.getFirst().endLayer() - resolved.getFirst().firstLayer();
            for (RecipeModel model : resolved) {
                if (model.endLayer() - model.firstLayer() != length) {
                    throw new IllegalArgumentException("the sources of a slice must span equally many layers: "
                            + resolved.getFirst().path() + " spans " + length + ", " + model.path() + " spans "
                            + (model.endLayer() - model.firstLayer()));
                }
            }
            return resolved;
        }

        private List<String> blockSuffixes(GgufFile file, int layer) {
            List<String> suffixes = new ArrayList<>();
            for (GgufTensorInfo tensor : file.tensors()) {
                Matcher matcher = BLOCK.matcher(tensor.name());
                if (matcher.matches() && Integer.parseInt(matcher.group(1)) == layer) {
                    suffixes.add(matcher.group(2));
                }
            }
            return suffixes;
        }

        /**
         * The job for output tensor {@code name}; {@code sourceName} is its name in the inputs, a layer suffix
         * for block tensors (found at each source's first layer + {@code offset}).
         */
        private TensorJob job(String name, String sourceName, double t, List<RecipeModel> slice, int offset) {
            boolean block = !sourceName.equals(name);
            List<TensorJob.Source> contributors = new ArrayList<>();
            for (RecipeModel model : recipe.contributors(slice)) {
                contributors.add(source(model, block ? "blk." + (model.firstLayer() + offset) + "." + sourceName : name));
            }
            TensorJob.Source base = null;
            if (recipe.method().needsBase()) {
                RecipeModel baseModel = slice.stream().filter(model -> model.path().equals(recipe.base().orElseThrow()))
                        .findFirst().orElse(new RecipeModel(recipe.base().orElseThrow(), recipe.contributors(slice)
                                .getFirst().firstLayer(), recipe.contributors(slice).getFirst().endLayer(), Parameters.NONE));
                base = source(baseModel, block ? "blk." + (baseModel.firstLayer() + offset) + "." + sourceName : name);
            }
            if (recipe.method() == MergeMethod.SLERP) {
                contributors.addFirst(base); // slerp runs from the base (t = 0) to the other model (t = 1)
                base = null;
            }
            GgufTensorInfo shapeSource = (base != null ? base : contributors.getFirst()).tensor();
            for (TensorJob.Source source : contributors) {
                if (!Arrays.equals(source.tensor().shape(), shapeSource.shape())) {
                    throw new IllegalArgumentException("shapes differ for " + name + ": " + source.tensor().name()
                            + " is " + Arrays.toString(source.tensor().shape()) + " in " + source.file().path() + ", "
                            + Arrays.toString(shapeSource.shape()) + " in the first input");
                }
            }
            GgmlType type = GgufRequantizer.outputType(shapeSource, recipe.outType());
            return new TensorJob(name, shapeSource.shape(), type, t, base, contributors);
        }

        private TensorJob.Source source(RecipeModel model, String tensorName) {
            GgufFile file = files.get(model.path());
            GgufTensorInfo tensor = file.findTensor(tensorName).orElseThrow(() -> new IllegalArgumentException(
                    file.path() + " has no tensor " + tensorName));
            if (!Quantization.dequantizable().contains(tensor.type())) {
                throw new IllegalArgumentException(tensorName + " in " + file.path() + " is " + tensor.type()
                        + ", which cannot be decoded; decodable: " + Quantization.dequantizable());
            }
            return new TensorJob.Source(file, tensor, model);
        }
    }
}
