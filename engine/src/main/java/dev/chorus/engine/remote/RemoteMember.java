package dev.chorus.engine.remote;

import dev.chorus.engine.FinishReason;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Usage;
import dev.chorus.engine.config.RemoteSpec;
import dev.chorus.engine.Member;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * An OpenAI-compatible endpoint as a member. Each request is one non-streamed call ({@code /chat/completions} for
 * a chat, {@code /completions} for text) asking for log-probabilities, so a cascade can judge its confidence; the
 * answer's tokens are then handed out as events. A connect error, a read timeout or a 5xx answer is retried after
 * {@code backoff}, doubled each time; a 4xx answer is not. When every attempt failed the generation ends with
 * {@link FinishReason#ERROR} and a message naming the remote, its URL and the last failure.
 */
public final class RemoteMember implements Member, AutoCloseable {
    private final RemoteSpec spec;
    private final Optional<String> apiKey;
    private final HttpClient client;

    /** @param environment reads an environment variable ({@code System::getenv} outside tests) */
    public RemoteMember(RemoteSpec spec, Function<String, String> environment) {
        this.spec = spec;
        this.apiKey = spec.apiKeyEnv().map(variable -> Optional.ofNullable(environment.apply(variable))
                .filter(key -> !key.isBlank())
                .orElseThrow(() -> new IllegalArgumentException("remote '" + spec.name()
                        + "': environment variable " + variable + " (api_key_env) is not set")));
        this.client = HttpClient.newBuilder().connectTimeout(spec.connectTimeout()).build();
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public Generation submit(GenerationRequest request) {
        if (request.prompt() instanceof Prompt.Tokens) {
            throw new IllegalArgumentException("remote '" + spec.name() + "' takes text or chat prompts, not tokens");
        }
        Thread[] worker = new Thread[1];
        Generation.Feed feed = Generation.feed(() -> worker[0].interrupt());
        worker[0] = Thread.ofVirtual().name("chorus-remote-" + spec.name()).unstarted(() -> run(feed, request));
        worker[0].start();
        return feed.generation();
    }

    /** Stops the HTTP client; calls still running end with an error. */
    @Override
    public void close() {
        client.shutdownNow();
    }

    private void run(Generation.Feed feed, GenerationRequest request) {
        try {
            OpenAiWire.Answer answer = OpenAiWire.parse(call(request), request.prompt() instanceof Prompt.Chat);
            answer.tokens().forEach(feed::emit);
            feed.finish("", answer.reason(), answer.usage(), Optional.empty(), List.of());
        } catch (RemoteFailure e) {
            feed.finish("", FinishReason.ERROR, new Usage(0, 0), Optional.of(e.getMessage()), List.of());
        } catch (InterruptedException e) {
            feed.finish("", FinishReason.CANCELLED, new Usage(0, 0), Optional.of("cancelled"), List.of());
        }
    }

    private String call(GenerationRequest request) throws InterruptedException {
        boolean chat = request.prompt() instanceof Prompt.Chat;
        URI uri = URI.create(spec.baseUrl() + (chat ? "/chat/completions" : "/completions"));
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(spec.readTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(OpenAiWire.body(spec.model(), request), StandardCharsets.UTF_8));
        apiKey.ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        HttpRequest httpRequest = builder.build();
        String lastFailure = "";
        long backoff = spec.backoff().toMillis();
        for (int attempt = 0; attempt <= spec.retries(); attempt++) {
            if (attempt > 0) {
                Thread.sleep(backoff);
                backoff *= 2;
            }
            try {
                HttpResponse<String> response = client.send(httpRequest,
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() == 200) {
                    return response.body();
                }
                lastFailure = "HTTP " + response.statusCode() + ": " + OpenAiWire.errorMessage(response.body());
                if (response.statusCode() < 500) {
                    throw failure(attempt, lastFailure);
                }
            } catch (HttpTimeoutException e) {
                lastFailure = "no answer within " + spec.readTimeout().toMillis() + " ms";
            } catch (IOException e) {
                lastFailure = "unreachable (" + describe(e) + ")";
            }
        }
        throw failure(spec.retries(), lastFailure);
    }

    private RemoteFailure failure(int lastAttempt, String failure) {
        return new RemoteFailure("remote '" + spec.name() + "' at " + spec.baseUrl() + " failed after "
                + (lastAttempt + 1) + " attempt" + (lastAttempt == 0 ? "" : "s") + ": " + failure);
    }

    private static String describe(IOException e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
