/**
 * Deterministic random-weight llama GGUF models for tests.
 *
 * <pre>{@code
 * Path model = FixtureModels.cached(FixtureModel.DEFAULT);                 // written once per JVM
 * Path other = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(1));     // same shape, other weights
 * FixtureModels.write(dir.resolve("m.gguf"), FixtureModel.DEFAULT.withTensorType(GgmlType.Q8_0));
 * FixtureModels.write(dir.resolve("1b.gguf"), FixtureModel.LLAMA_1B.withSeed(1));   // Llama-3.2-1B shape, 2.5 GB
 * }</pre>
 *
 * <p>A fixture is a llama-architecture GGUF v3 file that llama.cpp v0.5.0 loads and decodes: every {@code llama.*}
 * hyperparameter key, the tokenizer keys of llama.cpp's 32000-token SentencePiece vocabulary by default
 * ({@link dev.chorus.testkit.FixtureModels#vocabularyFile()}, so fixtures share a vocabulary with the shared
 * 13M models) or of Llama 3's 128256-token BPE vocabulary ({@link dev.chorus.testkit.FixtureVocabulary}), and the
 * tensors {@code token_embd}, {@code output_norm}, {@code output} (absent with tied embeddings) and per layer
 * {@code attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}. Matrices hold
 * N(0, 0.02²) weights (the output matrix, or tied embeddings, N(0, 4/n_embd), so logits have a standard deviation
 * near 2), norms are ones. Weights stream in chunks, each from its own seeded L64X128MixRandom, so writing takes
 * about 4 s per GB on one core and little memory.
 * The same {@link dev.chorus.testkit.FixtureModel} always gives the same bytes; different seeds give different models.
 * The files carry no chat template and their text is gibberish: they exercise plumbing, not quality.
 */
package dev.chorus.testkit;
