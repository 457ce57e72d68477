package dev.chorus.bench.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Collectors;

/** Streams chat completions from a Chorus server with the JDK's HTTP client (HTTP/1.1, pooled keep-alive). */
final class HttpStreamingClient implements StreamingClient {
    private static final int MAX_ERROR_BODY = 300;

    private final HttpClient client;
    private final URI chat;
    private final Duration timeout;

    HttpStreamingClient(HttpClient client, URI base, Duration timeout) {
        this.client = client;
        this.chat = base.resolve("/v1/chat/completions");
        this.timeout = timeout;
    }

    @Override
    public RequestOutcome run(LoadRequest request, TokenWindow window) throws InterruptedException {
        HttpRequest http = HttpRequest.newBuilder(chat).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.json())).build();
        long start = System.nanoTime();
        try {
            HttpResponse<InputStream> response = client.send(http, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader body = new BufferedReader(
                    new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                int status = response.statusCode();
                if (status == 429 || status == 503) {
                    body.transferTo(Writer.nullWriter());
                    return RequestOutcome.overloaded(request.model(), System.nanoTime() - start);
                }
                if (status != 200) {
                    String text = body.lines().collect(Collectors.joining("\n"));
                    return RequestOutcome.failed(request.model(), System.nanoTime() - start, "HTTP " + status + ": "
                            + text.substring(0, Math.min(text.length(), MAX_ERROR_BODY)));
                }
                ChatStreamParser parser = new ChatStreamParser();
                for (String line = body.readLine(); line != null; line = body.readLine()) {
                    long now = System.nanoTime();
                    window.arrived(now, parser.accept(line, now));
                }
                return parser.outcome(request.model(), start, System.nanoTime());
            }
        } catch (IOException e) {
            return RequestOutcome.failed(request.model(), System.nanoTime() - start, e.toString());
        }
    }
}
