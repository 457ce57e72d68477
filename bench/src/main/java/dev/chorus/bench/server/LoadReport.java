package dev.chorus.bench.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/** A load phase as the results file shows it: request counts, latencies, throughput; overall and per model. */
final class LoadReport {
    private static final int ERRORS_SHOWN = 10;

    private LoadReport() {
    }

    static Map<String, Object> of(LoadRun run, LoadShape shape) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("wall_seconds", round(run.wallNanos() / 1e9));
        report.put("drained", run.drained());
        report.putAll(requests(run.outcomes()));
        report.put("errors", run.outcomes().stream().filter(outcome -> outcome.status() == RequestOutcome.Status.FAILED)
                .limit(ERRORS_SHOWN).map(outcome -> outcome.model() + ": " + outcome.detail()).toList());
        report.put("streamed_tokens", run.streamedTokens());
        report.put("completion_tokens", run.outcomes().stream().mapToLong(RequestOutcome::completionTokens).sum());
        report.put("window_seconds", round(run.window().seconds()));
        report.put("window_streamed_tokens", run.window().tokens());
        report.put("tokens_per_second_aggregate", round(run.window().tokensPerSecond()));
        report.put("tokens_per_second_per_client", round(run.window().tokensPerSecond() / shape.clients()));
        Map<String, Object> models = new LinkedHashMap<>();
        for (String model : shape.models()) {
            models.put(model, requests(run.outcomes().stream().filter(outcome -> outcome.model().equals(model))
                    .toList()));
        }
        report.put("per_model", models);
        return report;
    }

    /** Counts, and for the ok requests the latency percentiles and per-stream speed. */
    private static Map<String, Object> requests(List<RequestOutcome> outcomes) {
        Map<String, Object> report = new LinkedHashMap<>();
        List<RequestOutcome> ok = outcomes.stream().filter(outcome -> outcome.status() == RequestOutcome.Status.OK)
                .toList();
        report.put("requests_ok", ok.size());
        report.put("requests_overloaded", outcomes.stream()
                .filter(outcome -> outcome.status() == RequestOutcome.Status.OVERLOADED).count());
        report.put("requests_failed", outcomes.stream()
                .filter(outcome -> outcome.status() == RequestOutcome.Status.FAILED).count());
        if (ok.isEmpty()) {
            return report;
        }
        report.put("time_to_first_token_ms", millis(ok, RequestOutcome::firstTokenNanos));
        report.put("request_duration_ms", millis(ok, RequestOutcome::durationNanos));
        // tokens per second of one stream, in thousandths so the percentile keeps three decimals
        Percentiles perStream = new Percentiles(ok.stream()
                .mapToLong(outcome -> Math.round(outcome.completionTokens() * 1e12 / outcome.durationNanos()))
                .toArray());
        Map<String, Object> streamSpeed = new LinkedHashMap<>();
        streamSpeed.put("p50", perStream.at(50) / 1e3);
        streamSpeed.put("p1", perStream.at(1) / 1e3);
        report.put("stream_tokens_per_second", streamSpeed);
        return report;
    }

    private static Map<String, Object> millis(List<RequestOutcome> ok, ToLongFunction<RequestOutcome> nanos) {
        Percentiles percentiles = new Percentiles(ok.stream().mapToLong(nanos).toArray());
        Map<String, Object> millis = new LinkedHashMap<>();
        millis.put("p50", round(percentiles.at(50) / 1e6));
        millis.put("p99", round(percentiles.at(99) / 1e6));
        millis.put("max", round(percentiles.at(100) / 1e6));
        return millis;
    }

    static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
