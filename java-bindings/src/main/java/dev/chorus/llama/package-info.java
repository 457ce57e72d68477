/**
 * A small, checked Java API over llama.cpp v0.5.0, bound with the FFM API (Panama).
 *
 * <pre>{@code
 * try (Model model = Model.load(path, ModelParams.cpu());
 *      Context context = model.newContext(ContextParams.of(512, 4));
 *      Batch batch = context.newBatch(64)) {
 *     int[] prompt = model.vocab().tokenize("Hello", true, false);
 *     for (int i = 0; i < prompt.length; i++) {
 *         batch.add(prompt[i], i, 0, i == prompt.length - 1);
 *     }
 *     context.decode(batch);
 *     float[] logits = context.logitsArray(prompt.length - 1);
 * }
 * }</pre>
 *
 * <p>Every argument is checked in Java before the native call (token ids, positions, sequence ids,
 * capacities, closed handles), and failures from llama.cpp come back as {@link
 * dev.chorus.llama.LlamaCallException} naming the function and its status. The library is found by
 * {@link dev.chorus.natives.LlamaLibraries}; only {@code dev.chorus.llama.internal} touches
 * addresses.
 */
package dev.chorus.llama;
