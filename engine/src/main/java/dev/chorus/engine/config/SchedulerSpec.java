package dev.chorus.engine.config;

/**
 * Scheduler settings shared by every collaboration.
 *
 * @param maxQueued    requests waiting for a slot beyond which new ones are refused as overloaded
 * @param prefillChunk prompt tokens one sequence may prefill per step, so running sequences are not stalled
 */
public record SchedulerSpec(int maxQueued, int prefillChunk) {
    public static final SchedulerSpec DEFAULT = new SchedulerSpec(64, 256);

    public SchedulerSpec {
        if (maxQueued < 0 || prefillChunk < 1) {
            throw new IllegalArgumentException("maxQueued >= 0 and prefillChunk >= 1 required, got "
                    + maxQueued + ", " + prefillChunk);
        }
    }
}
