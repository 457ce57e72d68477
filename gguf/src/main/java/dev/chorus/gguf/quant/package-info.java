/**
 * Block quantisation bit-exact with ggml's reference C code ({@code ggml/src/ggml-quants.c}):
 * {@link dev.chorus.gguf.quant.Quantization#quantize} for F32, F16, BF16, Q8_0 and Q4_0, and
 * {@link dev.chorus.gguf.quant.Quantization#dequantize} for those plus Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K.
 * Scalar Java: these run once per tensor when a model is written or merged, where the disk is the bottleneck.
 */
package dev.chorus.gguf.quant;
