package dev.chorus.bench.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's own load accounting from {@code GET /metrics}: sequences generating and requests waiting. Once every
 * client has its answer both must return to 0 (the engine frees a slot as it ends a generation).
 */
record ServerGauges(long activeSequences, long queueDepth) {
    private static final Pattern ACTIVE = Pattern.compile("(?m)^chorus_active_sequences (\\d+)$");
    private static final Pattern QUEUED = Pattern.compile("(?m)^chorus_queue_depth (\\d+)$");
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);

    Map<String, Long> report() {
        return Map.of("active_sequences", activeSequences, "queue_depth", queueDepth);
    }

    boolean idle() {
        return activeSequences == 0 && queueDepth == 0;
    }

    /** Reads the gauges until they are idle or ten seconds have passed; the last reading. */
    static ServerGauges settle(HttpClient client, URI base) throws IOException, InterruptedException {
        long giveUp = System.nanoTime() + SETTLE.toNanos();
        ServerGauges gauges = read(client, base);
        while (!gauges.idle() && System.nanoTime() < giveUp) {
            Thread.sleep(POLL);
            gauges = read(client, base);
        }
        return gauges;
    }

    static ServerGauges read(HttpClient client, URI base) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + response.statusCode());
        }
        return new ServerGauges(gauge(ACTIVE, response.body()), gauge(QUEUED, response.body()));
    }

    private static long gauge(Pattern pattern, String metrics) throws IOException {
        Matcher matcher = pattern.matcher(metrics);
        if (!matcher.find()) {
            throw new IOException("/metrics has no " + pattern.pattern());
        }
        return Long.parseLong(matcher.group(1));
    }
}
