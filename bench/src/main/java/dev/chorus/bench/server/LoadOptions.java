package dev.chorus.bench.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The command line of {@link ServerLoadTest}; every option has a default.
 *
 * @param clients          concurrent streaming clients ({@code --clients}, 64)
 * @param duration         the load phase ({@code --seconds}, 60)
 * @param maxRequests      the most requests the load phase starts ({@code --max-requests}, 20000)
 * @param maxTokens        {@code max_tokens} of every request ({@code --max-tokens}, 32)
 * @param slots            slots per model context ({@code --slots}, 16)
 * @param maxQueued        the engine's admission queue per collaboration ({@code --max-queued}, 32: with 16 slots,
 *                         the 49th concurrent request of a collaboration is answered as overloaded)
 * @param threads          llama.cpp threads per context ({@code --threads}, half the CPUs, at least 1)
 * @param embeddingLength  n_embd of the fixture models ({@code --embedding}, 128)
 * @param warmup           ramp-up excluded from throughput, and the length of the JIT warm-up phase
 *                         ({@code --warmup-seconds}, 5)
 * @param overheadRounds   engine-only/HTTP round pairs of the overhead measurement ({@code --overhead-rounds}, 3)
 * @param overheadDuration each round's length ({@code --overhead-seconds}, 10)
 * @param out              the results folder ({@code --out}, {@code bench/results})
 * @param device           the label in the results file name ({@code --device}; default: the fusion backend)
 */
record LoadOptions(int clients, Duration duration, long maxRequests, int maxTokens, int slots, int maxQueued,
                   int threads, int embeddingLength, Duration warmup, int overheadRounds, Duration overheadDuration,
                   Path out, Optional<String> device) {
    /** Requests still running at a deadline must end within this. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);
    /** A client's pause after an overload answer (the server says {@code Retry-After: 1}; a load test presses on). */
    static final Duration OVERLOAD_BACKOFF = Duration.ofMillis(20);

    LoadOptions {
        if (clients < 1 || maxRequests < 1 || maxTokens < 1 || slots < 1 || maxQueued < 0 || threads < 1
                || overheadRounds < 0) {
            throw new IllegalArgumentException("counts must be ≥ 1 (max-queued and overhead-rounds ≥ 0)");
        }
        if (duration.compareTo(warmup) <= 0 || (overheadRounds > 0 && overheadDuration.compareTo(warmup) <= 0)) {
            throw new IllegalArgumentException("every phase must last longer than the warm-up " + warmup);
        }
    }

    static LoadOptions parse(String[] args) {
        int clients = 64;
        Duration duration = Duration.ofSeconds(60);
        long maxRequests = 20_000;
        int maxTokens = 32;
        int slots = 16;
        int maxQueued = 32;
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        int embeddingLength = 128;
        Duration warmup = Duration.ofSeconds(5);
        int overheadRounds = 3;
        Duration overheadDuration = Duration.ofSeconds(10);
        Path out = Path.of("bench/results");
        Optional<String> device = Optional.empty();
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--clients" -> clients = Integer.parseInt(value);
                case "--seconds" -> duration = Duration.ofSeconds(Long.parseLong(value));
                case "--max-requests" -> maxRequests = Long.parseLong(value);
                case "--max-tokens" -> maxTokens = Integer.parseInt(value);
                case "--slots" -> slots = Integer.parseInt(value);
                case "--max-queued" -> maxQueued = Integer.parseInt(value);
                case "--threads" -> threads = Integer.parseInt(value);
                case "--embedding" -> embeddingLength = Integer.parseInt(value);
                case "--warmup-seconds" -> warmup = Duration.ofSeconds(Long.parseLong(value));
                case "--overhead-rounds" -> overheadRounds = Integer.parseInt(value);
                case "--overhead-seconds" -> overheadDuration = Duration.ofSeconds(Long.parseLong(value));
                case "--out" -> out = Path.of(value);
                case "--device" -> device = Optional.of(value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (see the Javadoc of "
                        + LoadOptions.class.getName() + ")");
            }
        }
        return new LoadOptions(clients, duration, maxRequests, maxTokens, slots, maxQueued, threads, embeddingLength,
                warmup, overheadRounds, overheadDuration, out, device);
    }

    /** The load phase's shape over {@code models}. */
    LoadShape load(List<String> models) {
        return new LoadShape(clients, duration, warmup, maxRequests, maxTokens, models, OVERLOAD_BACKOFF,
                DRAIN_TIMEOUT);
    }
}
