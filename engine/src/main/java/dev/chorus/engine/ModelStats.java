package dev.chorus.engine;

/**
 * A snapshot of one loaded model in the shared runtime: its one context and the work done on it since start.
 *
 * @param contexts      llama.cpp contexts open on the model: one, however many collaborations use it
 * @param slots         sequences its context holds, shared by every collaboration using the model
 * @param busySlots     slots held by running requests now
 * @param kvCacheBytes  KV cache llama.cpp allocated for the context
 * @param decodes       {@code llama_decode} calls (at most one per step)
 * @param tokens        tokens decoded (prompt chunks and sampled tokens of all collaborations)
 * @param sharedDecodes decodes whose batch held sequences of more than one collaboration
 * @param cachedTokens  prompt tokens reused from a slot's cache instead of being prefilled
 */
public record ModelStats(int contexts, int slots, int busySlots, long kvCacheBytes, long decodes, long tokens, long sharedDecodes,
                         long cachedTokens) {
}
