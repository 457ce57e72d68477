/**
 * Per-step logit fusion for a collaboration of models sharing a vocabulary: the math is the contract in
 * {@code kernels/FUSION.md}, {@link dev.chorus.kernels.fusion.FusionReference} is its double-precision
 * definition, and every {@link dev.chorus.kernels.fusion.LogitFusion} backend (CUDA, OpenCL, Java Vector
 * API) is tested against it.
 *
 * <pre>{@code
 * FusionShape shape = new FusionShape(2, 8, 32000, 64, 5);       // N, max batch, V, history, top-n
 * try (LogitFusion fusion = LogitFusions.open(shape)) {          // CUDA, else OpenCL, else Java
 *     FusionStep step = new FusionStep(shape);
 *     FusionResult result = new FusionResult(shape);
 *     int b = step.add(FusionRule.of(FusionMethod.LINEAR, 0.7f, 0.3f), SamplingParams.sampled(0.8f, seed),
 *             choice, tokenIndex, history, historyLength);
 *     // write member m's logits for row b at fusion.logits() element shape.rowOffset(m, b)
 *     fusion.fuse(step, result);
 *     int token = result.token(b);
 * }
 * }</pre>
 */
package dev.chorus.kernels.fusion;
