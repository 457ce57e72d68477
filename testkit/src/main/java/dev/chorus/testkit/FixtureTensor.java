package dev.chorus.testkit;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufWriter;
import dev.chorus.gguf.quant.Quantization;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * One tensor of a fixture model, in llama.cpp's llama layout ({@code src/models/llama.cpp}): shapes are ggml
 * {@code ne} order, so {@code {n_embd, n_vocab}} is n_vocab rows of n_embd.
 *
 * @param standardDeviation of the Gaussian weights; zero means a norm weight of all ones
 */
record FixtureTensor(String name, GgmlType type, long[] shape, double standardDeviation) {
    /** Small enough for stable activations, large enough that every layer matters. */
    private static final double WEIGHT_STD = 0.02;
    private static final int CHUNK_ELEMENTS = 1 << 16;
    /** A JDK-specified algorithm, so a seed gives the same values on every JDK; its Gaussian (ziggurat) takes ~3 ns. */
    private static final RandomGeneratorFactory<RandomGenerator> GENERATORS = RandomGeneratorFactory.of("L64X128MixRandom");

    static List<FixtureTensor> of(FixtureModel model, int vocabularySize) {
        GgmlType matrix = model.tensorType();
        long embd = model.embeddingLength();
        long kv = (long) model.headSize() * model.kvHeads();
        long ff = model.feedForwardLength();
        // Final hidden states are RMS-normalised, so this makes the logits' standard deviation about 2.
        double outputStd = 2.0 / Math.sqrt(embd);
        List<FixtureTensor> tensors = new ArrayList<>();
        // Tied embeddings also project the output, so they take the output's scale (inputs are RMS-normalised anyway).
        double embeddingStd = model.tiedEmbeddings() ? outputStd : WEIGHT_STD;
        tensors.add(new FixtureTensor("token_embd.weight", matrix, new long[] {embd, vocabularySize}, embeddingStd));
        tensors.add(norm("output_norm.weight", embd));
        if (!model.tiedEmbeddings()) {
            tensors.add(new FixtureTensor("output.weight", matrix, new long[] {embd, vocabularySize}, outputStd));
        }
        for (int layer = 0; layer < model.layers(); layer++) {
            String blk = "blk." + layer + ".";
            tensors.add(norm(blk + "attn_norm.weight", embd));
            tensors.add(new FixtureTensor(blk + "attn_q.weight", matrix, new long[] {embd, embd}, WEIGHT_STD));
            tensors.add(new FixtureTensor(blk + "attn_k.weight", matrix, new long[] {embd, kv}, WEIGHT_STD));
            tensors.add(new FixtureTensor(blk + "attn_v.weight", matrix, new long[] {embd, kv}, WEIGHT_STD));
            tensors.add(new FixtureTensor(blk + "attn_output.weight", matrix, new long[] {embd, embd}, WEIGHT_STD));
            tensors.add(norm(blk + "ffn_norm.weight", embd));
            tensors.add(new FixtureTensor(blk + "ffn_gate.weight", matrix, new long[] {embd, ff}, WEIGHT_STD));
            tensors.add(new FixtureTensor(blk + "ffn_up.weight", matrix, new long[] {embd, ff}, WEIGHT_STD));
            tensors.add(new FixtureTensor(blk + "ffn_down.weight", matrix, new long[] {ff, embd}, WEIGHT_STD));
        }
        return tensors;
    }

    private static FixtureTensor norm(String name, long length) {
        return new FixtureTensor(name, GgmlType.F32, new long[] {length}, 0);
    }

    long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        return count;
    }

    /**
     * Streams the weights in whole rows. Each chunk has its own generator seeded from the model seed, the tensor name
     * and the chunk index, so a value does not depend on which tensors or chunks come before it.
     */
    void writeTo(GgufWriter.ChunkSink sink, long modelSeed) throws IOException {
        long tensorSeed = modelSeed * 0x9E37_79B9_7F4A_7C15L ^ name.hashCode();
        long rowLength = shape[0];
        int rowsPerChunk = (int) Math.max(1, CHUNK_ELEMENTS / rowLength);
        long chunk = 0;
        for (long done = 0, total = elementCount(); done < total; chunk++) {
            int count = (int) Math.min(rowsPerChunk * rowLength, total - done);
            RandomGenerator random = GENERATORS.create(tensorSeed + chunk * 0xBF58_476D_1CE4_E5B9L);
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = standardDeviation == 0 ? 1.0f : (float) (random.nextGaussian() * standardDeviation);
            }
            sink.write(MemorySegment.ofArray(Quantization.quantize(type, values)));
            done += count;
        }
    }
}
