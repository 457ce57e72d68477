package dev.chorus.engine.config;

import dev.chorus.kernels.fusion.FusionBackend;

import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the step loop that every collaboration shares.
 *
 * @param maxQueued     requests waiting for a slot, per collaboration, beyond which new ones are refused as overloaded
 * @param prefillChunk  prompt tokens prefilled per step (over all sequences), so running sequences are not stalled
 * @param fusionBackend the fusion backend every collaboration opens; empty = the fastest that runs here (which
 *                      honours {@code chorus.kernels.backend})
 * @param threads       the process's CPU budget for llama.cpp, split among the models decoding in a step; empty =
 *                      the CPUs, less those that other processes keep busy (re-measured as the load changes)
 */
public record SchedulerSpec(int maxQueued, int prefillChunk, Optional<FusionBackend> fusionBackend,
                            Optional<Integer> threads) {
    public static final SchedulerSpec DEFAULT = new SchedulerSpec(64, 256, Optional.empty(), Optional.empty());

    public SchedulerSpec {
        Objects.requireNonNull(fusionBackend, "fusionBackend");
        Objects.requireNonNull(threads, "threads");
        if (maxQueued < 0 || prefillChunk < 1 || threads.filter(count -> count < 1).isPresent()) {
            throw new IllegalArgumentException("maxQueued >= 0, prefillChunk >= 1 and threads >= 1 required, got "
                    + maxQueued + ", " + prefillChunk + ", " + threads);
        }
    }
}
