package dev.chorus.server.http;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus counter with labels; label values come from a bounded set (served models, statuses). */
final class CounterFamily {
    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final Map<List<String>, LongAdder> counters = new ConcurrentHashMap<>();

    CounterFamily(String name, String help, String... labelNames) {
        this.name = name;
        this.help = help;
        this.labelNames = List.of(labelNames);
    }

    void add(long amount, String... labelValues) {
        if (labelValues.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " takes labels " + labelNames);
        }
        counters.computeIfAbsent(List.of(labelValues), key -> new LongAdder()).add(amount);
    }

    long value(String... labelValues) {
        LongAdder counter = counters.get(List.of(labelValues));
        return counter == null ? 0 : counter.sum();
    }

    void writeTo(StringBuilder out) {
        PrometheusText.header(out, name, "counter", help);
        Map<String, List<String>> sorted = new TreeMap<>();
        counters.keySet().forEach(labels -> sorted.put(String.join("\u0000", labels), labels));
        for (List<String> labels : sorted.values()) {
            PrometheusText.sample(out, name, labelNames, labels, Long.toString(counters.get(labels).sum()));
        }
    }
}
