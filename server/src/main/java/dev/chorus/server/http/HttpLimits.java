package dev.chorus.server.http;

import java.time.Duration;

/**
 * The JDK HTTP server's own limits against slow or abusive clients, which it reads from system properties once,
 * when its first server starts, for the whole JVM: how long a client may take to send its request line, headers
 * and body ({@code sun.net.httpserver.maxReqTime}; a slow-loris connection that trickles bytes is closed after
 * it), how many connections may be open ({@code jdk.httpserver.maxConnections}; beyond it new ones are closed at
 * once), how many kept-alive idle ones are kept ({@code sun.net.httpserver.maxIdleConnections}) and how large the
 * headers may be ({@code sun.net.httpserver.maxReqHeaderSize}). The JDK answers the requests it cannot parse
 * itself (a bad or negative {@code Content-Length}, both {@code Transfer-Encoding} and {@code Content-Length}: 400
 * and close; oversize headers: close) before any handler sees them.
 */
public final class HttpLimits {
    static final String READ_TIMEOUT = "sun.net.httpserver.maxReqTime";
    static final String MAX_CONNECTIONS = "jdk.httpserver.maxConnections";
    static final String MAX_IDLE_CONNECTIONS = "sun.net.httpserver.maxIdleConnections";
    static final String MAX_HEADER_BYTES = "sun.net.httpserver.maxReqHeaderSize";
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    private static final int DEFAULT_MAX_IDLE_CONNECTIONS = 64;
    private static final int DEFAULT_MAX_HEADER_BYTES = 64 * 1024;

    private HttpLimits() {
    }

    /**
     * Sets the limits for every server this JVM starts from now on; without effect once one has started.
     *
     * @param readTimeout    the longest a client may take to send a whole request (rounded up to seconds)
     * @param maxConnections the most connections open at once
     */
    public static void configure(Duration readTimeout, int maxConnections) {
        if (readTimeout.isNegative() || readTimeout.isZero() || maxConnections < 1) {
            throw new IllegalArgumentException("read timeout and connection limit must be positive: " + readTimeout
                    + ", " + maxConnections);
        }
        long seconds = readTimeout.plusNanos(999_999_999).toSeconds();
        System.setProperty(READ_TIMEOUT, Long.toString(seconds));
        System.setProperty(MAX_CONNECTIONS, Integer.toString(maxConnections));
    }

    /** Chorus's defaults for whatever limit nobody has set. */
    static void applyDefaults() {
        setIfAbsent(READ_TIMEOUT, Long.toString(DEFAULT_READ_TIMEOUT.toSeconds()));
        setIfAbsent(MAX_CONNECTIONS, Integer.toString(DEFAULT_MAX_CONNECTIONS));
        setIfAbsent(MAX_IDLE_CONNECTIONS, Integer.toString(DEFAULT_MAX_IDLE_CONNECTIONS));
        setIfAbsent(MAX_HEADER_BYTES, Integer.toString(DEFAULT_MAX_HEADER_BYTES));
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
