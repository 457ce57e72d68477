package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plain HTTP/1.1 requests to a running server with the JDK client, and assertions on OpenAI error bodies. */
final class HttpProbe {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final URI base;
    private final Optional<String> key;

    HttpProbe(ChorusServer server, Optional<String> key) {
        this.base = URI.create("http://127.0.0.1:" + server.port());
        this.key = key;
    }

    HttpProbe(ChorusServer server) {
        this(server, Optional.empty());
    }

    HttpResponse<String> post(String path, String body) {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> post(String path, HttpRequest.BodyPublisher body) {
        return send(request(path).POST(body));
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET());
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The value of {@code series} (its name and labels as {@code /metrics} writes them) now, 0 while it is not there
     * (a labelled counter appears at its first count).
     */
    double metric(String series) {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    /** The response with its body as lines, read as they arrive (a stream). */
    HttpResponse<Stream<String>> sendLines(HttpRequest.Builder request) {
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        key.ifPresent(value -> request.header("Authorization", "Bearer " + value));
        return request;
    }

    /** The body is {@code {"error":{"message","type","param","code"}}} with all four keys and these values. */
    static JsonNode assertError(HttpResponse<String> response, int status, String param, String code) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode error = json(response.body()).get("error");
        for (String field : new String[] {"message", "type", "param", "code"}) {
            assertTrue(error.has(field), "error has '" + field + "': " + response.body());
        }
        assertTrue(error.get("message").isTextual() && !error.get("message").asText().isEmpty());
        assertEquals(param, error.get("param").isNull() ? null : error.get("param").asText(), response.body());
        assertEquals(code, error.get("code").asText(), response.body());
        return error;
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }
}
