package dev.chorus.bench.engine;

import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.config.EngineConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Single-stream decode speed: tokens per second from the first streamed token to the last (prefill excluded), one
 * request at a time, through the engine ({@code engine CONFIG}) or a running server's streamed completions
 * ({@code http BASE_URL}). Uses only the engine's public API and the JDK, so {@code bench/scripts/decode-bench.sh}
 * runs this one source file against an older build's jars too (A/B in one run). Prints one line per request:
 * {@code <collaboration> <tokens/s>}.
 *
 * <p>Arguments: {@code engine CONFIG | http BASE_URL}, then {@code NAMES} (comma-separated), {@code TOKENS} (new
 * tokens per request) and {@code REQUESTS} (measured per name, after two warm-up requests each).
 */
public final class DecodeSpeed {
    private static final String PROMPT = "And God said";

    private DecodeSpeed() {
    }

    interface Stream {
        /** Nanosecond arrival times of the streamed tokens of one greedy request. */
        long[] arrivals(String name, int tokens) throws IOException, InterruptedException;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: engine CONFIG|http BASE_URL NAMES TOKENS REQUESTS");
        }
        List<String> names = List.of(args[2].split(","));
        int tokens = Integer.parseInt(args[3]);
        int requests = Integer.parseInt(args[4]);
        switch (args[0]) {
            case "engine" -> {
                try (Engine engine = Engine.start(EngineConfig.load(Path.of(args[1])))) {
                    measure((name, count) -> engineArrivals(engine, name, count), names, tokens, requests);
                }
            }
            case "http" -> measure(new HttpStream(URI.create(args[1])), names, tokens, requests);
            default -> throw new IllegalArgumentException("the first argument is engine or http, got " + args[0]);
        }
    }

    private static void measure(Stream stream, List<String> names, int tokens, int requests)
            throws IOException, InterruptedException {
        for (String name : names) {
            stream.arrivals(name, tokens);
            stream.arrivals(name, tokens);
        }
        for (int request = 0; request < requests; request++) {
            for (String name : names) {
                long[] at = stream.arrivals(name, tokens);
                if (at.length < 2) {
                    throw new IllegalStateException(name + " streamed " + at.length + " tokens");
                }
                double perSecond = (at.length - 1) / ((at[at.length - 1] - at[0]) / 1e9);
                System.out.printf(Locale.ROOT, "%s %.2f%n", name, perSecond);
            }
        }
    }

    private static long[] engineArrivals(Engine engine, String name, int tokens) throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(new Prompt.Text(PROMPT), tokens).withCachePrompt(false);
        Generation generation = engine.submit(name, request);
        long[] at = new long[tokens];
        int count = 0;
        while (!(generation.nextEvent() instanceof GenerationEvent.Finished)) {
            at[count++] = System.nanoTime();
        }
        return Arrays.copyOf(at, count);
    }

    /** Streamed completions of a server: one SSE event per token, each timed as it arrives. */
    private record HttpStream(HttpClient http, URI completions) implements Stream {
        HttpStream(URI base) {
            this(HttpClient.newHttpClient(), base.resolve("/v1/completions"));
        }

        @Override
        public long[] arrivals(String name, int tokens) throws IOException, InterruptedException {
            String body = String.format(Locale.ROOT, "{\"model\":\"%s\",\"prompt\":\"%s\",\"max_tokens\":%d,"
                    + "\"stream\":true,\"cache_prompt\":false}", name, PROMPT, tokens);
            HttpRequest request = HttpRequest.newBuilder(completions).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            long[] at = new long[tokens];
            int count = 0;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP " + response.statusCode() + ": " + lines.readLine());
                }
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("data: {") && !line.contains("\"finish_reason\":\"") && count < tokens) {
                        at[count++] = System.nanoTime();
                    }
                }
            }
            return Arrays.copyOf(at, count);
        }
    }
}
