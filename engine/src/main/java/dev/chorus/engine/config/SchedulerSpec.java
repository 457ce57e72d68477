package dev.chorus.engine.config;

import dev.chorus.kernels.fusion.FusionBackend;

import java.util.Objects;
import java.util.Optional;

/**
 * Scheduler settings shared by every collaboration.
 *
 * @param maxQueued    requests waiting for a slot beyond which new ones are refused as overloaded
 * @param prefillChunk prompt tokens prefilled per step (over all sequences), so running sequences are not stalled
 * @param fusionBackend the fusion backend every collaboration opens; empty = the fastest that runs here (which
 *                      honours {@code chorus.kernels.backend})
 */
public record SchedulerSpec(int maxQueued, int prefillChunk, Optional<FusionBackend> fusionBackend) {
    public static final SchedulerSpec DEFAULT = new SchedulerSpec(64, 256, Optional.empty());

    public SchedulerSpec {
        Objects.requireNonNull(fusionBackend, "fusionBackend");
        if (maxQueued < 0 || prefillChunk < 1) {
            throw new IllegalArgumentException("maxQueued >= 0 and prefillChunk >= 1 required, got "
                    + maxQueued + ", " + prefillChunk);
        }
    }
}
