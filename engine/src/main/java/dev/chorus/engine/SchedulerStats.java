package dev.chorus.engine;

/**
 * A snapshot of one collaboration's scheduler: its load now and its work since start. The totals are
 * monotonic, so rates over any interval (mean step time = Δdecode+Δfusion / Δsteps) come from two snapshots.
 *
 * @param queued       requests admitted but waiting for a slot
 * @param active       sequences holding a slot (prefilling or generating)
 * @param steps        steps of the shared loop this collaboration took part in (one batched decode of each model,
 *                     then one fused call per collaboration)
 * @param decodeNanos  time in those steps' parallel {@code llama_decode} calls
 * @param fusionNanos  time staging logits and in the fusion kernels (sampling included, and a constrained row's
 *                     grammar checks and draws after a refused one)
 * @param tokens       tokens sampled
 * @param cachedTokens prompt tokens reused from the models' slot caches instead of prefilled
 * @param speculation  speculative decoding's counts (all zero without a draft)
 * @param redraws      constrained tokens drawn first without the grammar's mask that were, after the grammar refused
 *                     the unmasked draw, drawn again under it (included in {@code tokens} once)
 * @param gate         gated fusion's counts (all zero without a gate)
 */
public record SchedulerStats(int queued, int active, long steps, long decodeNanos, long fusionNanos, long tokens,
                             long cachedTokens, SpeculationStats speculation, long redraws, GateStats gate) {
}
