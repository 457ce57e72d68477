package dev.chorus.engine.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An OpenAI-compatible endpoint usable as a member.
 *
 * @param baseUrl        the API root, e.g. {@code http://127.0.0.1:8080/v1}
 * @param model          the {@code model} sent in each request
 * @param apiKeyEnv      the environment variable holding the bearer key (the key never appears in the config)
 * @param connectTimeout time to open a connection
 * @param readTimeout    time for a whole answer
 * @param retries        further attempts after a connect error or a 5xx answer
 * @param backoff        the wait before the first retry; doubled before each further one
 * @param fallback       the member that answers instead when every attempt failed; none = a clear error
 * @param context        prompt plus completion tokens a request may use (the default {@code max_tokens})
 */
public record RemoteSpec(String name, URI baseUrl, String model, Optional<String> apiKeyEnv, Duration connectTimeout,
                         Duration readTimeout, int retries, Duration backoff, Optional<String> fallback, int context,
                         ConfigLocation location) {
    public RemoteSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(apiKeyEnv, "apiKeyEnv");
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(location, "location");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()
                || backoff.isNegative() || retries < 0 || context < 1) {
            throw new IllegalArgumentException("remote " + name + ": positive timeouts, backoff >= 0, retries >= 0, "
                    + "context >= 1");
        }
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("remote " + name + ": base_url must be http or https, got " + baseUrl);
        }
    }
}
