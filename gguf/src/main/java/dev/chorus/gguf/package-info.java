/**
 * GGUF v3 files (llama.cpp's model format, spec in {@code ggml/include/gguf.h}): a validating memory-mapped reader and
 * a streaming atomic writer.
 *
 * <pre>{@code
 * try (GgufFile gguf = GgufFile.open(path)) {                         // v2 and v3; hostile input -> GgufFormatException
 *     String arch = gguf.getString("general.architecture");
 *     List<String> tokens = gguf.getStringArray("tokenizer.ggml.tokens");
 *     GgufTensorInfo info = gguf.tensorInfo("token_embd.weight");     // type, shape (ggml ne order), offset
 *     MemorySegment bytes = gguf.tensor(info);                        // zero-copy view, valid until close()
 * }
 *
 * try (GgufWriter out = GgufWriter.create(target)) {                  // temp file + ATOMIC_MOVE on close
 *     out.copyMetadata(source, key -> key.startsWith("tokenizer."));
 *     out.addTensor("output_norm.weight", GgmlType.F32, 256);         // declare every tensor first
 *     out.writeTensor("output_norm.weight", segment);                 // then data, in declaration order
 * }
 * }</pre>
 *
 * <p>Metadata values are {@link dev.chorus.gguf.GgufValue} records; arrays of fixed-size values stay packed as their
 * file bytes. Float/quantised conversions are in {@link dev.chorus.gguf.quant.Quantization}.
 */
package dev.chorus.gguf;
