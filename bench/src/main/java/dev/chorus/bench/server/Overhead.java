package dev.chorus.bench.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The HTTP and JSON cost per streamed token, from rounds of the same load run engine-only and through the server,
 * alternated (engine, HTTP, HTTP, engine, …) so drifting background load hits both alike.
 *
 * <p>With {@code E} and {@code H} the aggregate streamed tokens per second of all {@code C} clients (tokens counted
 * in each round's window after the warm-up):
 * <ul>
 *   <li>{@code overhead_us_per_token = 10⁶ · (1/H − 1/E)}: the wall time the server as a whole spends more per
 *       streamed token. The concurrency correction is in the aggregation: one stream sees a token every
 *       {@code C/H} seconds, and the {@code C} streams share that interval, so the per-token cost is the per-stream
 *       interval difference divided by {@code C}.</li>
 *   <li>{@code engine_round_spread_us = 10⁶ · (1/E_slowest − 1/E_fastest)} over the engine-only rounds: what the
 *       same work varies by from round to round, the resolution of the figure above on this machine.</li>
 *   <li>{@code stream_interval_overhead_us = 10⁶ · C · (1/H − 1/E)}: how much longer one client waits between two
 *       of its tokens.</li>
 *   <li>{@code cpu_overhead_us_per_token}: process CPU time per streamed token, HTTP minus engine-only (both over
 *       whole rounds). It includes the in-process load clients' HTTP and JSON parsing, so it bounds the server's
 *       share from above.</li>
 *   <li>{@code server_cpu_us_per_token}: CPU time of the server's own threads in the HTTP rounds per streamed token
 *       — the {@code HTTP-Dispatcher} and the virtual-thread carriers, which run only the server's request handlers
 *       because these rounds' clients are platform threads ({@link LoadRun#PLATFORM_CLIENTS}). Garbage collection
 *       and JIT compilation are not in it (their threads are not Java threads).</li>
 * </ul>
 */
final class Overhead {
    static final double TARGET_US = 50;
    private static final Set<String> SERVER_GROUPS = Set.of("server_dispatcher", "virtual_thread_carriers");
    private static final Set<String> CLIENT_GROUPS = Set.of("load_clients", "http_client");

    private final int clients;
    private final List<LoadRun> engineRounds;
    private final List<LoadRun> httpRounds;

    Overhead(int clients, List<LoadRun> engineRounds, List<LoadRun> httpRounds) {
        if (engineRounds.isEmpty() || httpRounds.isEmpty()) {
            throw new IllegalArgumentException("the overhead needs at least one round of each path");
        }
        this.clients = clients;
        this.engineRounds = List.copyOf(engineRounds);
        this.httpRounds = List.copyOf(httpRounds);
    }

    boolean failed() {
        return failures(engineRounds) + failures(httpRounds) > 0;
    }

    Map<String, Object> report() {
        double engineTps = tokensPerSecond(engineRounds);
        double httpTps = tokensPerSecond(httpRounds);
        double overheadUs = 1e6 * (1 / httpTps - 1 / engineTps);
        double engineCpuUs = cpuMicrosPerToken(engineRounds);
        double httpCpuUs = cpuMicrosPerToken(httpRounds);
        double serverCpuUs = microsPerToken(httpRounds, SERVER_GROUPS);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("formula", "overhead_us_per_token = 1e6 * (1/http_tps - 1/engine_tps), tps = streamed tokens per"
                + " second of all clients together in the rounds' windows; stream_interval_overhead_us = clients *"
                + " overhead_us_per_token; cpu_overhead_us_per_token = process CPU per streamed token, HTTP minus"
                + " engine-only (in-process clients included: an upper bound for the server); engine_round_spread_us ="
                + " 1e6 * (1/slowest - 1/fastest engine-only round), the resolution of overhead_us_per_token here;"
                + " server_cpu_us_per_token ="
                + " CPU of HTTP-Dispatcher + virtual-thread carriers (only server handlers: clients are platform"
                + " threads here) per streamed token in the HTTP rounds, GC and JIT excluded");
        report.put("clients", clients);
        report.put("rounds", engineRounds.size());
        report.put("engine_tps", LoadReport.round(engineTps));
        report.put("http_tps", LoadReport.round(httpTps));
        report.put("engine_tps_per_round", engineRounds.stream().map(run -> LoadReport.round(run.window()
                .tokensPerSecond())).toList());
        report.put("http_tps_per_round", httpRounds.stream().map(run -> LoadReport.round(run.window()
                .tokensPerSecond())).toList());
        report.put("overhead_us_per_token", LoadReport.round(overheadUs));
        report.put("engine_round_spread_us", LoadReport.round(roundSpreadMicros(engineRounds)));
        report.put("stream_interval_overhead_us", LoadReport.round(overheadUs * clients));
        report.put("engine_cpu_us_per_token", LoadReport.round(engineCpuUs));
        report.put("http_cpu_us_per_token", LoadReport.round(httpCpuUs));
        report.put("cpu_overhead_us_per_token", LoadReport.round(httpCpuUs - engineCpuUs));
        report.put("server_cpu_us_per_token", LoadReport.round(serverCpuUs));
        report.put("client_cpu_us_per_token", LoadReport.round(microsPerToken(httpRounds, CLIENT_GROUPS)));
        report.put("gc_ms_per_1000_tokens", Map.of("engine", LoadReport.round(gcMillisPerThousand(engineRounds)),
                "http", LoadReport.round(gcMillisPerThousand(httpRounds))));
        report.put("engine_cpu_us_per_token_by_thread_group", groupMicrosPerToken(engineRounds));
        report.put("http_cpu_us_per_token_by_thread_group", groupMicrosPerToken(httpRounds));
        report.put("target_us", TARGET_US);
        report.put("meets_target", overheadUs <= TARGET_US);
        report.put("server_cpu_within_target", serverCpuUs <= TARGET_US);
        report.put("requests_failed", failures(engineRounds) + failures(httpRounds));
        report.put("requests_overloaded", engineRounds.stream().mapToLong(run ->
                run.count(RequestOutcome.Status.OVERLOADED)).sum() + httpRounds.stream().mapToLong(run ->
                run.count(RequestOutcome.Status.OVERLOADED)).sum());
        return report;
    }

    private static long failures(List<LoadRun> rounds) {
        return rounds.stream().mapToLong(run -> run.count(RequestOutcome.Status.FAILED) + (run.drained() ? 0 : 1))
                .sum();
    }

    private static double tokensPerSecond(List<LoadRun> rounds) {
        double tokens = rounds.stream().mapToLong(run -> run.window().tokens()).sum();
        return tokens / rounds.stream().mapToDouble(run -> run.window().seconds()).sum();
    }

    private static double roundSpreadMicros(List<LoadRun> rounds) {
        double slowest = rounds.stream().mapToDouble(run -> run.window().tokensPerSecond()).min().orElseThrow();
        double fastest = rounds.stream().mapToDouble(run -> run.window().tokensPerSecond()).max().orElseThrow();
        return 1e6 * (1 / slowest - 1 / fastest);
    }

    private static double cpuMicrosPerToken(List<LoadRun> rounds) {
        return rounds.stream().mapToLong(run -> run.cpu().processNanos()).sum() / 1e3 / streamedTokens(rounds);
    }

    private static Map<String, Double> groupMicrosPerToken(List<LoadRun> rounds) {
        Map<String, Long> nanos = new TreeMap<>();
        rounds.forEach(run -> run.cpu().groupNanos().forEach((group, value) -> nanos.merge(group, value, Long::sum)));
        double tokens = streamedTokens(rounds);
        Map<String, Double> micros = new TreeMap<>();
        nanos.forEach((group, value) -> micros.put(group, LoadReport.round(value / 1e3 / tokens)));
        return micros;
    }

    private static double microsPerToken(List<LoadRun> rounds, Set<String> groups) {
        long nanos = rounds.stream().flatMap(run -> run.cpu().groupNanos().entrySet().stream())
                .filter(entry -> groups.contains(entry.getKey())).mapToLong(Map.Entry::getValue).sum();
        return nanos / 1e3 / streamedTokens(rounds);
    }

    private static double gcMillisPerThousand(List<LoadRun> rounds) {
        return rounds.stream().mapToLong(run -> run.cpu().gcMillis()).sum() * 1e3 / streamedTokens(rounds);
    }

    private static long streamedTokens(List<LoadRun> rounds) {
        return rounds.stream().mapToLong(LoadRun::streamedTokens).sum();
    }
}
