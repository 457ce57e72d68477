package dev.chorus.server.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the HTTP server listens and what it allows.
 *
 * @param host           the address to bind, e.g. {@code 127.0.0.1}
 * @param port           the port; 0 picks a free one ({@link ChorusServer#port()} tells which)
 * @param apiKey         when present, every endpoint but {@code /health} needs {@code Authorization: Bearer <key>}
 * @param maxBodyBytes   larger request bodies are refused with 413
 * @param requestTimeout a completion still running after this long is cancelled (504, or an error event in a stream)
 * @param evalResults    a {@code chorus eval --json} output that {@code GET /chorus/eval} serves (and the playground
 *                       shows), read again on every request so it shows the latest run
 * @param cors           the web origins browsers may call from
 */
public record ServerOptions(String host, int port, Optional<String> apiKey, long maxBodyBytes,
                           Duration requestTimeout, Optional<Path> evalResults, CorsPolicy cors) {
    public static final long DEFAULT_MAX_BODY_BYTES = 1 << 20;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(10);

    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(evalResults, "evalResults");
        Objects.requireNonNull(cors, "cors");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535: " + port);
        }
        if (apiKey.isPresent() && apiKey.get().isBlank()) {
            throw new IllegalArgumentException("an API key must not be blank");
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be ≥ 1: " + maxBodyBytes);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
    }

    /** No key, a 1 MiB body limit, a 10 minute timeout, no eval results and CORS for loopback origins only. */
    public static ServerOptions of(String host, int port) {
        return new ServerOptions(host, port, Optional.empty(), DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT,
                Optional.empty(), CorsPolicy.LOOPBACK);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, Optional.of(key), maxBodyBytes, requestTimeout, evalResults, cors);
    }

    public ServerOptions withMaxBodyBytes(long bytes) {
        return new ServerOptions(host, port, apiKey, bytes, requestTimeout, evalResults, cors);
    }

    public ServerOptions withRequestTimeout(Duration timeout) {
        return new ServerOptions(host, port, apiKey, maxBodyBytes, timeout, evalResults, cors);
    }

    public ServerOptions withEvalResults(Path file) {
        return new ServerOptions(host, port, apiKey, maxBodyBytes, requestTimeout, Optional.of(file), cors);
    }

    public ServerOptions withCors(CorsPolicy policy) {
        return new ServerOptions(host, port, apiKey, maxBodyBytes, requestTimeout, evalResults, policy);
    }
}
