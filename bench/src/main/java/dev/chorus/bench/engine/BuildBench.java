package dev.chorus.bench.engine;

import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.FlashAttention;
import dev.chorus.llama.Llama;
import dev.chorus.llama.Model;
import dev.chorus.llama.ModelParams;
import dev.chorus.llama.rpc.RpcEndpoint;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.StoredFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * One run of the llama.cpp-build benchmark, in the JVM's build (native or npm: {@code CHORUS_LLAMA_NATIVE=off}
 * picks the npm prebuilt), on one model through the real engine: greedy decode with 1 and 2 llama.cpp threads
 * (tokens/s between the first and the last token), prefill (prompt tokens / time to the first token) and 8
 * concurrent streams (all tokens / wall time). With {@code --rpc host:port}, also decode through the bindings
 * locally and with every layer on that rpc-server, and the bytes exchanged per token. Writes one JSON object to
 * {@code --out FILE}; {@code bench/scripts/native-bench.sh} runs it for both builds, interleaved, with llama-bench
 * and llama-server of the native build beside it, and combines the runs.
 *
 * <p>Arguments: {@code --model FILE}, {@code --out FILE}, {@code --prompt-tokens 256}, {@code --new-tokens 128},
 * {@code --rpc host:port} (optional); or {@code --print-shape-path llama-1b}, which writes (once) and prints the
 * first model of that {@link FixtureModel#named} shape.
 */
public final class BuildBench {
    private static final int STREAMS = 8;

    private BuildBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--prompt-tokens", "256", "--new-tokens", "128"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        if (options.containsKey("--print-shape-path")) {
            // For the script: the first member of a --shape pair (EngineBench's), written once into the cache.
            System.out.println(StoredFixtures.pair(FixtureModel.named(options.get("--print-shape-path"))).getFirst());
            return;
        }
        Path model = Path.of(require(options, "--model")).toAbsolutePath();
        Path out = Path.of(require(options, "--out"));
        int promptTokens = Integer.parseInt(options.get("--prompt-tokens"));
        int newTokens = Integer.parseInt(options.get("--new-tokens"));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("build", Llama.init().buildKind().name().toLowerCase(Locale.ROOT));
        result.put("library", Llama.init().libraryFolder().toString());
        result.put("model", model.toString());
        result.put("prompt_tokens", promptTokens);
        result.put("new_tokens", newTokens);
        int context = promptTokens + newTokens + 16;
        for (int threads : new int[] {1, 2}) {
            try (Engine engine = engine(model, threads, context, 1)) {
                stream(engine, randomPrompt(16, 0), newTokens);  // warm-up: JIT, graph allocation
                result.put("decode_tps_t" + threads, round(median(3, () -> stream(engine, randomPrompt(16, 1), newTokens).decodeTps())));
                result.put("prefill_tps_t" + threads, round(median(3, () -> stream(engine, randomPrompt(promptTokens, 2), 1).prefillTps(promptTokens))));
            }
        }
        try (Engine engine = engine(model, 2, context, STREAMS)) {
            serve(engine, 16);
            result.put("serve8_aggregate_tps", round(median(3, () -> serve(engine, newTokens / 2))));
        }
        if (options.containsKey("--rpc")) {
            RpcEndpoint server = RpcEndpoint.parse(options.get("--rpc"));
            result.put("bindings_decode_tps_local", round(bindingsDecode(model, ModelParams.cpu(), newTokens).tps()));
            Decode remote = bindingsDecode(model, ModelParams.onRpcServers(List.of(server)), newTokens);
            result.put("bindings_decode_tps_rpc", round(remote.tps()));
            result.put("rpc_bytes_per_token", Math.round(remote.bytesPerToken()));
        }
        result.put("machine", BenchResults.machine(Map.of()));
        BenchResults.write(out, result);
        System.out.println(result);
    }

    private static Engine engine(Path model, int threads, int context, int slots) throws IOException {
        Path config = Files.createTempFile("chorus-build-bench", ".yaml");
        Files.writeString(config, String.format(Locale.ROOT, """
                models:
                  m: { path: "%s", threads: %d, context: %d, slots: %d }
                scheduler: { max_queued: %d, fusion_backend: java }
                """, model, threads, context, slots, slots));
        try {
            return Engine.start(EngineConfig.load(config));
        } finally {
            Files.deleteIfExists(config);
        }
    }

    record Timing(int tokens, long submitted, long first, long last) {
        double decodeTps() {
            return (tokens - 1) / ((last - first) / 1e9);
        }

        double prefillTps(int promptTokens) {
            return promptTokens / ((first - submitted) / 1e9);
        }
    }

    private static Timing stream(Engine engine, int[] prompt, int tokens) {
        try {
            long submitted = System.nanoTime();
            Generation generation = engine.submit("m", GenerationRequest.of(new Prompt.Tokens(prompt), tokens));
            long first = 0;
            long last = 0;
            int count = 0;
            while (true) {
                GenerationEvent event = generation.nextEvent();
                long now = System.nanoTime();
                if (event instanceof GenerationEvent.Finished finished) {
                    // A model may end early (EOS); a rate over the tokens it gave is still a rate.
                    if (finished.error().isPresent() || count < Math.min(tokens, 2)) {
                        throw new IllegalStateException("generation ended " + finished.reason() + " after " + count
                                + " tokens: " + finished.error().orElse(""));
                    }
                    return new Timing(count, submitted, first, last);
                }
                count++;
                first = first == 0 ? now : first;
                last = now;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@link #STREAMS} concurrent greedy requests: all their tokens over the wall time. */
    private static double serve(Engine engine, int tokens) {
        try {
            long start = System.nanoTime();
            List<Generation> generations = new ArrayList<>();
            for (int s = 0; s < STREAMS; s++) {
                generations.add(engine.submit("m", GenerationRequest.of(new Prompt.Tokens(randomPrompt(16, 10 + s)), tokens)));
            }
            long total = 0;
            for (Generation generation : generations) {
                total += generation.await().usage().completionTokens();
            }
            return total / ((System.nanoTime() - start) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Decode(int tokens, double seconds, long bytes) {
        double tps() {
            return tokens / seconds;
        }

        double bytesPerToken() {
            return bytes / (double) tokens;
        }
    }

    /** {@code tokens} single-token decodes through the bindings (one thread, fixed tokens, no sampling) after a prompt. */
    private static Decode bindingsDecode(Path file, ModelParams params, int tokens) {
        try (Model model = Model.load(file, params);
                Context context = model.newContext(new ContextParams(512, 64, 64, 1, 1, FlashAttention.AUTO));
                Batch batch = context.newBatch(16)) {
            int[] prompt = randomPrompt(16, 3);
            for (int i = 0; i < prompt.length; i++) {
                batch.add(prompt[i], i, 0, i == prompt.length - 1);
            }
            context.decode(batch);
            long bytes = model.rpcBytes();
            long start = System.nanoTime();
            for (int t = 0; t < tokens; t++) {
                batch.clear();
                batch.add(prompt[t % prompt.length], prompt.length + t, 0, true);
                context.decode(batch);
                context.logits(0);
            }
            return new Decode(tokens, (System.nanoTime() - start) / 1e9, model.rpcBytes() - bytes);
        }
    }

    /** BOS, then random ordinary tokens of the 32000-token vocabulary, seeded. */
    private static int[] randomPrompt(int length, int seed) {
        SplittableRandom random = new SplittableRandom(2000 + seed);
        int[] prompt = new int[length];
        prompt[0] = 1;
        for (int i = 1; i < length; i++) {
            prompt[i] = random.nextInt(3, 32000);
        }
        return prompt;
    }

    private interface Measure {
        double run();
    }

    private static double median(int runs, Measure measure) {
        double[] values = new double[runs];
        for (int i = 0; i < runs; i++) {
            values[i] = measure.run();
        }
        Arrays.sort(values);
        return values[runs / 2];
    }

    private static String require(Map<String, String> options, String key) {
        return Optional.ofNullable(options.get(key)).orElseThrow(() -> new IllegalArgumentException(key + " is required"));
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
