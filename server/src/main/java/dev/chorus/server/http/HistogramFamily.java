package dev.chorus.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram with one label (the model or collaboration) and fixed bucket bounds in seconds. */
final class HistogramFamily {
    private final String name;
    private final String help;
    private final String labelName;
    private final double[] bounds;
    private final Map<String, Cells> histograms = new ConcurrentHashMap<>();

    HistogramFamily(String name, String help, String labelName, double... bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException(name + ": bucket bounds must increase");
            }
        }
        this.name = name;
        this.help = help;
        this.labelName = labelName;
        this.bounds = bounds.clone();
    }

    void observe(String labelValue, double value) {
        histograms.computeIfAbsent(labelValue, key -> new Cells(bounds.length)).observe(bounds, value);
    }

    long count(String labelValue) {
        Cells cells = histograms.get(labelValue);
        return cells == null ? 0 : cells.count.sum();
    }

    void writeTo(StringBuilder out) {
        PrometheusText.header(out, name, "histogram", help);
        List<String> bucketLabels = List.of(labelName, "le");
        List<String> label = List.of(labelName);
        for (Map.Entry<String, Cells> entry : new TreeMap<>(histograms).entrySet()) {
            Cells cells = entry.getValue();
            long cumulative = 0;
            List<String> values = new ArrayList<>(List.of(entry.getKey(), ""));
            for (int i = 0; i <= bounds.length; i++) {
                cumulative += cells.buckets[i].sum();
                values.set(1, PrometheusText.number(i < bounds.length ? bounds[i] : Double.POSITIVE_INFINITY));
                PrometheusText.sample(out, name + "_bucket", bucketLabels, values, Long.toString(cumulative));
            }
            PrometheusText.sample(out, name + "_sum", label, List.of(entry.getKey()),
                    Double.toString(cells.sum.sum()));
            PrometheusText.sample(out, name + "_count", label, List.of(entry.getKey()),
                    Long.toString(cells.count.sum()));
        }
    }

    /** Per-bucket (not cumulative) counts, so an observation touches one adder. */
    private static final class Cells {
        final LongAdder[] buckets;
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Cells(int bounds) {
            buckets = new LongAdder[bounds + 1];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(double[] bounds, double value) {
            int bucket = 0;
            while (bucket < bounds.length && value > bounds[bucket]) {
                bucket++;
            }
            buckets[bucket].increment();
            count.increment();
            sum.add(value);
        }
    }
}
