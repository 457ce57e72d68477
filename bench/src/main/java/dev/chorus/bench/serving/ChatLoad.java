package dev.chorus.bench.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Streaming chat load against any OpenAI-compatible server: clients that send seeded streamed chat completions back
 * to back and count the content chunks that arrive inside a measuring window (each one token), plus time-to-first
 * token of a given chat. Only OpenAI's wire format is assumed, so Chorus and llama-server are measured alike.
 */
final class ChatLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);
    private static final List<String> QUESTIONS = List.of(
            "And it came to pass in those days", "Write a Python function that sorts a list",
            "What is the meaning of the parable", "Explain list comprehensions briefly",
            "In the beginning was the word", "How do I open a file for reading?");

    private final HttpClient http;
    private final URI chat;

    ChatLoad(HttpClient http, URI base) {
        this.http = http;
        this.chat = base.resolve("/v1/chat/completions");
    }

    /**
     * Runs {@code clients.get(model)} streaming clients per model for {@code seconds} after a one-second ramp-up;
     * returns the tokens per second that arrived in that window, over all clients.
     */
    double tokensPerSecond(Map<String, Integer> clients, int maxTokens, double seconds)
            throws InterruptedException {
        long start = System.nanoTime() + 1_000_000_000L;
        long end = start + (long) (seconds * 1e9);
        LongAdder tokens = new LongAdder();
        AtomicLong failures = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        int client = 0;
        for (Map.Entry<String, Integer> entry : clients.entrySet()) {
            for (int i = 0; i < entry.getValue(); i++, client++) {
                String model = entry.getKey();
                long seed = 1000L * client;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (long request = seed; System.nanoTime() < end; request++) {
                        try {
                            stream(body(model, QUESTIONS.get((int) (request % QUESTIONS.size())), maxTokens, request),
                                    (at, count) -> {
                                        if (at >= start && at < end) {
                                            tokens.add(count);
                                        }
                                    });
                        } catch (IOException e) {
                            failures.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " requests failed");
        }
        return tokens.sum() / seconds;
    }

    /** Seconds from sending a streamed chat to its first content chunk. */
    double timeToFirstToken(ArrayNode messages, boolean cachePrompt) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", "kjv");
        body.set("messages", messages);
        body.put("stream", true);
        body.put("max_tokens", 4);
        body.put("temperature", 0);
        body.put("cache_prompt", cachePrompt);
        long sent = System.nanoTime();
        long[] first = {-1};
        stream(body.toString(), (at, count) -> {
            if (first[0] < 0 && count > 0) {
                first[0] = at;
            }
        });
        if (first[0] < 0) {
            throw new IOException("no token came");
        }
        return (first[0] - sent) / 1e9;
    }

    @FunctionalInterface
    interface Arrivals {
        void tokens(long nanoTime, int count);
    }

    private void stream(String body, Arrivals arrivals) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(chat).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + ": " + lines.readLine());
            }
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.startsWith("data: {")) {
                    continue;
                }
                int count = 0;
                for (JsonNode choice : JSON.readTree(line.substring(6)).path("choices")) {
                    if (!choice.path("delta").path("content").asText("").isEmpty()) {
                        count++;
                    }
                }
                arrivals.tokens(System.nanoTime(), count);
            }
        }
    }

    private static String body(String model, String question, int maxTokens, long seed) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        body.put("stream", true);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0.8);
        body.put("seed", seed);
        return body.toString();
    }
}
