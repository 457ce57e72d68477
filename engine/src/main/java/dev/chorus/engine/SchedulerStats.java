package dev.chorus.engine;

/**
 * A snapshot of one collaboration's scheduler: its load now and its work since start. The totals are
 * monotonic, so rates over any interval (mean step time = Δdecode+Δfusion / Δsteps) come from two snapshots.
 *
 * @param queued       requests admitted but waiting for a slot
 * @param active       sequences holding a slot (prefilling or generating)
 * @param steps        scheduler steps run (one batched decode of every member, then one fused call)
 * @param decodeNanos  time in the members' parallel {@code llama_decode} calls
 * @param fusionNanos  time staging logits and in the fusion kernels (sampling included)
 * @param tokens       tokens sampled
 */
public record SchedulerStats(int queued, int active, long steps, long decodeNanos, long fusionNanos, long tokens) {
}
