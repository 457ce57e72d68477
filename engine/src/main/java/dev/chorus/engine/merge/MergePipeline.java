package dev.chorus.engine.merge;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufWriter;
import dev.chorus.gguf.quant.Quantization;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.MergeKernels;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a recipe: plans and checks it ({@link MergePlan}), then streams one output tensor at a time —
 * decode each input tensor to float, merge on the device, encode to the output type, write — so memory
 * holds a few tensors whatever the model size. Metadata and tokenizer come from the base model (or the
 * first); {@code general.file_type} and the layer count follow the output. The file appears atomically
 * when every tensor is written; a failure at any point leaves no file.
 */
public final class MergePipeline {

    private static final String FILE_TYPE = "general.file_type";

    private MergePipeline() {
    }

    public static MergeSummary run(MergeRecipe recipe, Path output, MergeKernels kernels, MergeProgress progress)
            throws IOException {
        long start = System.nanoTime();
        for (Path input : recipe.files()) {
            if (Files.exists(output) && Files.isSameFile(input, output)) {
                throw new IllegalArgumentException("the output must not overwrite the input " + input);
            }
        }
        try (MergePlan plan = MergePlan.open(recipe)) {
            long total = plan.inputBytes();
            TensorBuffers buffers = new TensorBuffers(plan.jobs);
            long read = 0;
            try (GgufWriter writer = GgufWriter.create(output)) {
                writeMetadata(writer, plan, recipe.outType());
                for (TensorJob job : plan.jobs) {
                    writer.addTensor(job.name(), job.type(), job.shape());
                }
                for (int index = 0; index < plan.jobs.size(); index++) {
                    TensorJob job = plan.jobs.get(index);
                    MergeInputs inputs = buffers.decode(job);
                    kernels.merge(TensorSteps.step(recipe, job, index), inputs, buffers.out);
                    writer.writeTensor(job.name(), sink -> sink.write(buffers.encode(job)));
                    read += job.inputBytes();
                    progress.update(index + 1, plan.jobs.size(), read, total);
                }
            }
            return new MergeSummary(output, plan.jobs.size(), total, kernels.backend().id() + " (" + kernels.device() + ")",
                    (System.nanoTime() - start) / 1e9);
        }
    }

    private static void writeMetadata(GgufWriter writer, MergePlan plan, GgmlType outType) {
        GgufFile source = plan.metadataSource;
        String blockCount = source.getString(MergeInputsCheck.ARCHITECTURE) + ".block_count";
        writer.copyMetadata(source, key -> !key.equals(FILE_TYPE) && !key.equals(blockCount));
        writer.putUInt32(blockCount, plan.outputLayers);
        writer.putUInt32(FILE_TYPE, switch (outType) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("cannot write " + outType);
        });
    }

    /**
     * Decode and encode arrays sized once for the largest tensor and reused for every tensor. Decoding and
     * encoding run in chunks on all cores: on a CPU they, not the merge, bound the throughput.
     */
    private static final class TensorBuffers {
        /** Values per codec chunk: a multiple of every block size (32 and 256), large enough to amortise a task. */
        private static final int CODEC_CHUNK = 1 << 18;

        final float[] base;
        final float[][] models;
        final float[] out;
        final byte[] encoded;

        TensorBuffers(java.util.List<TensorJob> jobs) {
            int largest = (int) jobs.stream().mapToLong(TensorJob::elementCount).max().orElse(0);
            int contributors = jobs.stream().mapToInt(job -> job.contributors().size()).max().orElse(0);
            boolean withBase = jobs.stream().anyMatch(job -> job.base() != null);
            base = withBase ? new float[largest] : null;
            models = new float[contributors][largest];
            out = new float[largest];
            encoded = new byte[(int) jobs.stream().mapToLong(job -> job.type().byteSizeFor(job.elementCount())).max().orElse(0)];
        }

        MergeInputs decode(TensorJob job) {
            int length = (int) job.elementCount();
            if (job.base() != null) {
                decode(job.base(), base, length);
            }
            float[][] used = new float[job.contributors().size()][];
            for (int m = 0; m < used.length; m++) {
                decode(job.contributors().get(m), models[m], length);
                used[m] = models[m];
            }
            return new MergeInputs(job.base() == null ? null : base, used, length);
        }

        MemorySegment encode(TensorJob job) {
            int length = (int) job.elementCount();
            MemorySegment target = MemorySegment.ofArray(encoded);
            GgmlType type = job.type();
            inChunks(length, (start, count) -> Quantization.quantize(type, out, start, count, target, type.byteSizeFor(start)));
            return target.asSlice(0, type.byteSizeFor(length));
        }

        private static void decode(TensorJob.Source source, float[] target, int length) {
            GgmlType type = source.tensor().type();
            MemorySegment data = source.file().tensor(source.tensor());
            inChunks(length, (start, count) -> Quantization.dequantize(type, data, type.byteSizeFor(start), target, start, count));
        }

        /** Runs {@code work(start, count)} over [0, length) in chunks of whole blocks, on all cores. */
        private static void inChunks(int length, java.util.function.BiConsumer<Integer, Integer> work) {
            int chunks = (length + CODEC_CHUNK - 1) / CODEC_CHUNK;
            java.util.stream.IntStream.range(0, chunks).parallel().forEach(chunk -> {
                int start = chunk * CODEC_CHUNK;
                work.accept(start, Math.min(CODEC_CHUNK, length - start));
            });
        }
    }
}
