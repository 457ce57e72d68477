package dev.chorus.bench.server;

import dev.chorus.bench.BenchResults;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusions;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Load test of the OpenAI-compatible server, loopback only, in one JVM: an engine on two fixture models (served as
 * {@code single} and as the fused ensemble {@code fused}) and a Chorus server on {@code 127.0.0.1:0}. Phases:
 * <ol>
 *   <li>warm-up (JIT, llama.cpp graphs): twice {@code --warmup-seconds} engine-only and via HTTP, not recorded;</li>
 *   <li>load: {@code --clients} streaming clients (virtual threads, the JDK HTTP client) for {@code --seconds}, at
 *       most {@code --max-requests} requests, each client alternating {@code single} and {@code fused}, every
 *       request a seeded streamed chat completion with {@code stream_options.include_usage} and
 *       {@code max_tokens} {@code --max-tokens}; 429 and 503 are overload answers, counted apart;</li>
 *   <li>leak check, once every request has ended: the server's {@code chorus_active_sequences} and
 *       {@code chorus_queue_depth} gauges return to 0, and every slot of both collaborations takes a request at
 *       once ({@link SlotCheck});</li>
 *   <li>overhead: {@code --overhead-rounds} pairs of {@code --overhead-seconds} rounds, the same load engine-only
 *       ({@code Engine.submit}) and through HTTP ({@link Overhead} states the formulas), clients on platform threads
 *       so that the server's CPU time can be told apart from theirs.</li>
 * </ol>
 * Writes {@code <out>/server-<device>-<date>.json} (machine, date, load averages at start and end, settings, each
 * phase), then exits with 1 if any request failed (anything but ok or overloaded), a client did not finish, a slot
 * leaked or the gauges did not return to 0; 0 otherwise. The overhead target is reported, not enforced: it is a
 * timing on whatever machine runs this.
 *
 * <p>Options: see {@link LoadOptions}.
 */
public final class ServerLoadTest {
    private ServerLoadTest() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parse(args);
        String loadStart = loadAverage();
        List<String> models = ServedFixture.loadModels();
        LoadShape load = options.load(models);
        Map<String, Object> file = new LinkedHashMap<>();
        boolean passed;
        String device;
        try (ServedFixture fixture = ServedFixture.start(options);
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(5)).build()) {
            device = options.device().orElseGet(ServerLoadTest::fusionDevice);
            StreamingClient engineClient = new EngineStreamingClient(fixture.engine());
            StreamingClient httpClient = new HttpStreamingClient(http, fixture.base(), LoadOptions.DRAIN_TIMEOUT);
            LoadShape warmup = load.withDuration(options.warmup().multipliedBy(2));
            LoadRun.run(engineClient, warmup, LoadRun.VIRTUAL_CLIENTS);
            LoadRun.run(httpClient, warmup, LoadRun.VIRTUAL_CLIENTS);

            System.out.println("load: " + options.clients() + " clients for " + options.duration());
            LoadRun run = LoadRun.run(httpClient, load, LoadRun.VIRTUAL_CLIENTS);
            Map<String, Object> loadReport = LoadReport.of(run, load);
            System.out.println(loadReport);
            ServerGauges afterLoad = ServerGauges.settle(http, fixture.base());
            List<SlotCheck> slots = new ArrayList<>();
            for (String model : models) {
                slots.add(SlotCheck.of(fixture.engine(), model));
            }
            int leaked = slots.stream().mapToInt(SlotCheck::leaked).sum();
            loadReport.put("server_gauges_after", afterLoad.report());
            loadReport.put("slot_checks", slots);
            loadReport.put("slots_leaked", leaked);

            Overhead overhead = overhead(options, load, engineClient, httpClient);
            ServerGauges atEnd = ServerGauges.settle(http, fixture.base());

            passed = run.drained() && run.count(RequestOutcome.Status.FAILED) == 0 && leaked == 0 && afterLoad.idle()
                    && atEnd.idle() && (overhead == null || !overhead.failed());
            file.put("machine", BenchResults.machine(Map.of("fusion", device, "llama", "CPU (gpu_layers 0)")));
            file.put("date", Instant.now().toString());
            file.put("load_average", Map.of("start", loadStart, "end", loadAverage(),
                    "note", "1, 5 and 15 minute load averages (/proc/loadavg); other jobs share the machine"));
            file.put("settings", settings(options, models));
            file.put("passed", passed);
            file.put("load", loadReport);
            file.put("overhead", overhead == null ? "not measured (--overhead-rounds 0)" : overhead.report());
            file.put("server_gauges_at_end", atEnd.report());
        }
        BenchResults.write(BenchResults.file(options.out(), "server", device), file);
        System.out.println(passed ? "passed" : "FAILED: see 'passed', 'errors' and 'slot_checks' in the results");
        System.exit(passed ? 0 : 1);
    }

    /** Alternating engine-only and HTTP rounds; null when none are asked for. */
    private static Overhead overhead(LoadOptions options, LoadShape load, StreamingClient engineClient,
                                     StreamingClient httpClient) throws InterruptedException {
        if (options.overheadRounds() == 0) {
            return null;
        }
        LoadShape round = load.withDuration(options.overheadDuration());
        List<LoadRun> engineRounds = new ArrayList<>();
        List<LoadRun> httpRounds = new ArrayList<>();
        for (int index = 0; index < options.overheadRounds(); index++) {
            boolean engineFirst = index % 2 == 0;
            LoadRun first = LoadRun.run(engineFirst ? engineClient : httpClient, round, LoadRun.PLATFORM_CLIENTS);
            LoadRun second = LoadRun.run(engineFirst ? httpClient : engineClient, round, LoadRun.PLATFORM_CLIENTS);
            engineRounds.add(engineFirst ? first : second);
            httpRounds.add(engineFirst ? second : first);
            System.out.printf("overhead round %d: engine %.1f tokens/s, HTTP %.1f tokens/s%n", index + 1,
                    engineRounds.getLast().window().tokensPerSecond(), httpRounds.getLast().window().tokensPerSecond());
        }
        return new Overhead(options.clients(), engineRounds, httpRounds);
    }

    private static Map<String, Object> settings(LoadOptions options, List<String> models) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("clients", options.clients());
        settings.put("seconds", options.duration().toSeconds());
        settings.put("max_requests", options.maxRequests());
        settings.put("max_tokens", options.maxTokens());
        settings.put("warmup_seconds", options.warmup().toSeconds());
        settings.put("models", models);
        settings.put("fixture_models", "random-weight llama, n_embd " + options.embeddingLength()
                + ", 2 layers, F16, 32000-token vocabulary; fused = log-linear 0.5/0.5 of single and partner");
        settings.put("slots_per_context", options.slots());
        settings.put("max_queued", options.maxQueued());
        settings.put("llama_threads_per_context", options.threads());
        settings.put("sampling", "temperature 0.8, seeded per request (seed 1000 + request number)");
        settings.put("overload_backoff_ms", LoadOptions.OVERLOAD_BACKOFF.toMillis());
        settings.put("overhead_rounds", options.overheadRounds());
        settings.put("overhead_round_seconds", options.overheadDuration().toSeconds());
        settings.put("streamed_token", "a token that released text: one SSE chunk over HTTP, one non-empty event"
                + " engine-only");
        settings.put("jvm_arguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
        return settings;
    }

    private static String fusionDevice() {
        try (LogitFusion fusion = LogitFusions.open(new FusionShape(2, 1, 32000, 0, 0))) {
            return fusion.backend().id() + " " + fusion.device();
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
