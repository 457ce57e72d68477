package dev.chorus.bench.server;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one load phase runs: {@code clients} concurrent clients, each looping over the {@code models} in turn
 * (client {@code i} starts at model {@code i}), until {@code duration} has passed or {@code maxRequests} requests
 * have started, whichever is first; tokens are counted for throughput after {@code warmup}.
 *
 * @param overloadBackoff how long a client waits after an overload answer before its next request
 * @param drainTimeout    how long requests still running at the deadline may take to end
 */
record LoadShape(int clients, Duration duration, Duration warmup, long maxRequests, int maxTokens, List<String> models,
                 Duration overloadBackoff, Duration drainTimeout) {
    LoadShape {
        models = List.copyOf(models);
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(overloadBackoff, "overloadBackoff");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (clients < 1 || maxRequests < 1 || maxTokens < 1 || models.isEmpty()) {
            throw new IllegalArgumentException("clients, maxRequests and maxTokens must be ≥ 1 and models named");
        }
        if (warmup.isNegative() || warmup.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("the warm-up " + warmup + " must be shorter than the duration "
                    + duration);
        }
    }

    LoadShape withDuration(Duration newDuration) {
        return new LoadShape(clients, newDuration, warmup, maxRequests, maxTokens, models, overloadBackoff,
                drainTimeout);
    }
}
