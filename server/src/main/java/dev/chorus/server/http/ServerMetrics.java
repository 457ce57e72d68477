package dev.chorus.server.http;

import dev.chorus.engine.FinishReason;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.ModelStats;
import dev.chorus.engine.SchedulerStats;
import dev.chorus.engine.ServedModel;
import dev.chorus.engine.Usage;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The server's Prometheus metrics. Latencies are measured where the HTTP layer sees tokens arrive, per model or
 * collaboration: the interval between two tokens of a stream is one decoding step of that collaboration as a
 * client experiences it. Label values are only served model names (set once a request's model
 * was found), so a client cannot grow the label set.
 */
final class ServerMetrics {
    private static final double[] LATENCY_BOUNDS = {
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final String MODEL = "model";

    private final CounterFamily requests = new CounterFamily("chorus_requests_total",
            "HTTP requests answered, by endpoint, model and status.", "endpoint", MODEL, "status");
    private final CounterFamily promptTokens = new CounterFamily("chorus_prompt_tokens_total",
            "Prompt tokens of answered completion requests.", MODEL);
    private final CounterFamily cachedPromptTokens = new CounterFamily("chorus_prompt_cached_tokens_total",
            "Prompt tokens of answered completion requests reused from the prompt cache instead of prefilled.", MODEL);
    private final CounterFamily completionTokens = new CounterFamily("chorus_completion_tokens_total",
            "Tokens generated for answered completion requests.", MODEL);
    private final CounterFamily generations = new CounterFamily("chorus_generations_total",
            "Choices the engine ended, by why: stop, length, cancelled (client gone, deadline, shutdown) or error.",
            MODEL, "reason");
    private final CounterFamily disconnects = new CounterFamily("chorus_client_disconnects_total",
            "Requests whose client went away before the answer ended; their generations were cancelled.", MODEL);
    private final CounterFamily routes = new CounterFamily("chorus_routes_total",
            "Requests a router sent to each member.", MODEL, "member");
    private final CounterFamily escalations = new CounterFamily("chorus_escalations_total",
            "Cascade answers rejected (or failed), so the next member was asked, by the member rejected.",
            MODEL, "member");
    private final HistogramFamily firstToken = new HistogramFamily("chorus_time_to_first_token_seconds",
            "From the request being admitted to its first token.", MODEL, LATENCY_BOUNDS);
    private final HistogramFamily stepLatency = new HistogramFamily("chorus_step_latency_seconds",
            "Interval between consecutive tokens of a choice: one decoding step of the collaboration.",
            "collaboration", LATENCY_BOUNDS);
    private final HistogramFamily requestDuration = new HistogramFamily("chorus_request_duration_seconds",
            "Completion requests from admission to the last byte.", MODEL, LATENCY_BOUNDS);

    void request(String endpoint, String model, int status) {
        requests.add(1, endpoint, model, Integer.toString(status));
    }

    void tokens(String model, Usage usage) {
        promptTokens.add(usage.promptTokens(), model);
        cachedPromptTokens.add(usage.cachedPromptTokens(), model);
        completionTokens.add(usage.completionTokens(), model);
    }

    void generationEnded(String model, FinishReason reason) {
        generations.add(1, model, reason.name().toLowerCase(Locale.ROOT));
    }

    /** Counts a router's route or a cascade's escalations from the member calls of one finished choice. */
    void orchestrated(ServedModel model, List<MemberReport> reports) {
        switch (model.kind()) {
            case "router" -> reports.stream().filter(report -> report.role().equals("routed"))
                    .forEach(report -> routes.add(1, model.id(), report.member()));
            case "cascade" -> reports.stream()
                    .filter(report -> report.role().equals("candidate") && !report.answered())
                    .forEach(report -> escalations.add(1, model.id(), report.member()));
            default -> {
            }
        }
    }

    long routes(String model, String member) {
        return routes.value(model, member);
    }

    long escalations(String model, String member) {
        return escalations.value(model, member);
    }

    void disconnect(String model) {
        disconnects.add(1, model);
    }

    void firstToken(String model, double seconds) {
        firstToken.observe(model, seconds);
    }

    void step(String model, double seconds) {
        stepLatency.observe(model, seconds);
    }

    void requestDuration(String model, double seconds) {
        requestDuration.observe(model, seconds);
    }

    long requests(String endpoint, String model, int status) {
        return requests.value(endpoint, model, Integer.toString(status));
    }

    long disconnects(String model) {
        return disconnects.value(model);
    }

    /** The exposition text, with the engine's queue depth and active sequences read now. */
    String render(CompletionBackend backend) {
        StringBuilder out = new StringBuilder(4096);
        requests.writeTo(out);
        promptTokens.writeTo(out);
        cachedPromptTokens.writeTo(out);
        completionTokens.writeTo(out);
        generations.writeTo(out);
        disconnects.writeTo(out);
        routes.writeTo(out);
        escalations.writeTo(out);
        gauge(out, "chorus_queue_depth", "Requests waiting for a slot.", backend.queueDepth());
        gauge(out, "chorus_active_sequences", "Sequences generating now.", backend.activeSequences());
        schedulerSeries(out, backend.schedulerStats());
        modelSeries(out, backend.modelStats());
        firstToken.writeTo(out);
        stepLatency.writeTo(out);
        requestDuration.writeTo(out);
        return out.toString();
    }

    /** The engine's own view per collaboration: mean step time is rate(decode + fusion seconds) / rate(steps). */
    private static void schedulerSeries(StringBuilder out, Map<String, SchedulerStats> stats) {
        schedulerSeries(out, stats, "chorus_scheduler_queued", "gauge", "Requests waiting for a slot.",
                SchedulerStats::queued);
        schedulerSeries(out, stats, "chorus_scheduler_active", "gauge", "Sequences holding a slot.", SchedulerStats::active);
        schedulerSeries(out, stats, "chorus_scheduler_steps_total", "counter",
                "Scheduler steps (one batched decode of every member, then one fused call).", SchedulerStats::steps);
        schedulerSeries(out, stats, "chorus_scheduler_decode_seconds_total", "counter",
                "Time in the members' parallel llama_decode calls.", s -> s.decodeNanos() / 1e9);
        schedulerSeries(out, stats, "chorus_scheduler_fusion_seconds_total", "counter",
                "Time staging logits and in the fusion and sampling kernels.", s -> s.fusionNanos() / 1e9);
        schedulerSeries(out, stats, "chorus_scheduler_tokens_total", "counter", "Tokens sampled.", SchedulerStats::tokens);
        schedulerSeries(out, stats, "chorus_scheduler_cached_tokens_total", "counter",
                "Prompt tokens reused from the models' slot caches instead of prefilled.", SchedulerStats::cachedTokens);
        schedulerSeries(out, stats, "chorus_constrained_redraws_total", "counter",
                "Constrained tokens drawn first without the grammar's mask that the grammar refused, then drawn again"
                        + " under it (counted once in tokens).", SchedulerStats::redraws);
        schedulerSeries(out, stats, "chorus_speculation_verifications_total", "counter",
                "Draft proposals verified (one per sequence and step).", s -> s.speculation().verifications());
        schedulerSeries(out, stats, "chorus_speculation_proposed_tokens_total", "counter",
                "Tokens a draft proposed.", s -> s.speculation().proposedTokens());
        schedulerSeries(out, stats, "chorus_speculation_accepted_tokens_total", "counter",
                "Proposed tokens the collaboration accepted (acceptance rate = accepted / proposed; mean accepted"
                        + " length = accepted / verifications).", s -> s.speculation().acceptedTokens());
        schedulerSeries(out, stats, "chorus_speculation_acceptance_rate", "gauge",
                "Accepted over proposed tokens since start (0 before any proposal).",
                s -> s.speculation().acceptanceRate());
        schedulerSeries(out, stats, "chorus_speculation_mean_accepted_length", "gauge",
                "Accepted tokens per verification since start (0 before any).", s -> s.speculation().meanAcceptedLength());
        schedulerSeries(out, stats, "chorus_gate_tokens_total", "counter",
                "Tokens a gated ensemble decided.", s -> s.gate().tokens());
        schedulerSeries(out, stats, "chorus_gate_lead_tokens_total", "counter",
                "Of those, tokens its lead decided alone, the fusion skipped.", s -> s.gate().leadTokens());
        schedulerSeries(out, stats, "chorus_gate_skipped_share", "gauge",
                "Skipped-fusion share since start: lead tokens / tokens (0 without a gate).",
                s -> s.gate().skippedShare());
    }

    /** The shared runtime per loaded model: its one context, shared by every collaboration using it. */
    private static void modelSeries(StringBuilder out, Map<String, ModelStats> stats) {
        series(out, stats, MODEL, "chorus_model_slots", "gauge", "Sequences the model's one context holds.",
                ModelStats::slots);
        series(out, stats, MODEL, "chorus_model_busy_slots", "gauge", "Slots held by running requests.",
                ModelStats::busySlots);
        series(out, stats, MODEL, "chorus_model_kv_cache_bytes", "gauge", "KV cache llama.cpp allocated.",
                ModelStats::kvCacheBytes);
        series(out, stats, MODEL, "chorus_model_decodes_total", "counter", "llama_decode calls (one per step at most).",
                ModelStats::decodes);
        series(out, stats, MODEL, "chorus_model_decoded_tokens_total", "counter",
                "Tokens decoded, prompt chunks and sampled tokens of every collaboration.", ModelStats::tokens);
        series(out, stats, MODEL, "chorus_model_shared_decodes_total", "counter",
                "Decodes whose batch held sequences of more than one collaboration.", ModelStats::sharedDecodes);
        series(out, stats, MODEL, "chorus_model_cached_tokens_total", "counter",
                "Prompt tokens reused from the slots' caches instead of prefilled.", ModelStats::cachedTokens);
    }

    private static void schedulerSeries(StringBuilder out, Map<String, SchedulerStats> stats, String name, String type,
                                        String help, ToDoubleFunction<SchedulerStats> value) {
        series(out, stats, "collaboration", name, type, help, value);
    }

    private static <T> void series(StringBuilder out, Map<String, T> stats, String label, String name, String type,
                                   String help, ToDoubleFunction<T> value) {
        PrometheusText.header(out, name, type, help);
        stats.forEach((key, snapshot) -> PrometheusText.sample(out, name, List.of(label), List.of(key),
                PrometheusText.number(value.applyAsDouble(snapshot))));
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        PrometheusText.header(out, name, "gauge", help);
        PrometheusText.sample(out, name, List.of(), List.of(), Long.toString(value));
    }
}
