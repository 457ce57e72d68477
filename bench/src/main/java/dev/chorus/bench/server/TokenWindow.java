package dev.chorus.bench.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts streamed tokens that arrive within {@code [start, end)} (System.nanoTime), so throughput is measured while
 * every client is busy and not during ramp-up or the drain after the deadline.
 */
final class TokenWindow {
    private final long start;
    private final long end;
    private final LongAdder tokens = new LongAdder();

    TokenWindow(long start, long end) {
        if (end <= start) {
            throw new IllegalArgumentException("the window must end after it starts");
        }
        this.start = start;
        this.end = end;
    }

    void arrived(long nanoTime, int count) {
        if (count > 0 && nanoTime >= start && nanoTime < end) {
            tokens.add(count);
        }
    }

    long tokens() {
        return tokens.sum();
    }

    double seconds() {
        return (end - start) / 1e9;
    }

    double tokensPerSecond() {
        return tokens() / seconds();
    }
}
