package dev.chorus.bench;

import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link FusionBenchmark} for every backend that runs here (the others are listed with their reason
 * and skipped) and writes {@code <out>/kernels-<device>-<date>.json}: the machine, the date, the JMH
 * settings and one object per case {@code {"backend","device","n","b","v","sampling","us_per_step"}} (the mean) with
 * the minimum, 10th percentile and median beside it.
 *
 * <p>Arguments: {@code --out DIR} (default {@code bench/results}), {@code --warmup N}, {@code --warmup-time MS},
 * {@code --iterations N}, {@code --time MS} (per measured iteration), and {@code --param name=a,b} to narrow any {@code @Param}.
 */
public final class KernelsBench {

    private KernelsBench() {
    }

    public static void main(String[] args) throws IOException, RunnerException {
        Path out = Path.of("bench/results");
        int warmup = 3;
        long warmupMillis = 1000;
        int iterations = 3;
        long millis = 500;
        Map<String, String[]> params = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--out" -> out = Path.of(value);
                case "--warmup" -> warmup = Integer.parseInt(value);
                case "--iterations" -> iterations = Integer.parseInt(value);
                case "--warmup-time" -> warmupMillis = Long.parseLong(value);
                case "--time" -> millis = Long.parseLong(value);
                case "--param" -> params.put(value.substring(0, value.indexOf('=')),
                        value.substring(value.indexOf('=') + 1).split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --out, --warmup, --warmup-time, --iterations, --time, --param name=a,b)");
            }
            i++;
        }
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Map<String, String> devices = runnableBackends(params.get("backend"));
        if (devices.isEmpty()) {
            throw new IllegalStateException("no requested backend runs here: " + LogitFusions.available());
        }
        params.put("backend", devices.keySet().toArray(String[]::new));
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(FusionBenchmark.class.getName() + ".fuse")
                .warmupIterations(warmup)
                .warmupTime(TimeValue.milliseconds(warmupMillis))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(millis))
                .forks(1);
        params.forEach(options::param);
        List<Map<String, Object>> cases = new ArrayList<>();
        for (RunResult run : new Runner(options.build()).run()) {
            BenchmarkParams p = run.getParams();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("backend", p.getParam("backend"));
            row.put("device", devices.get(p.getParam("backend")));
            row.put("n", Integer.parseInt(p.getParam("n")));
            row.put("b", Integer.parseInt(p.getParam("b")));
            row.put("v", Integer.parseInt(p.getParam("v")));
            row.put("sampling", p.getParam("sampling"));
            Statistics timings = run.getPrimaryResult().getStatistics();
            row.put("us_per_step", round(timings.getMean()));
            row.put("us_min", round(timings.getMin()));
            row.put("us_p10", round(timings.getPercentile(10)));
            row.put("us_median", round(timings.getPercentile(50)));
            row.put("samples", timings.getN());
            cases.add(row);
        }
        Map<String, Object> file = new LinkedHashMap<>();
        Map<String, Object> machine = BenchResults.machine(devices);
        // Other work on the machine inflates CPU timings: the 1-minute load average says how much.
        machine.put("load_average_before", loadBefore);
        machine.put("load_average_after", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        file.put("machine", machine);
        file.put("date", Instant.now().toString());
        Map<String, Object> jmh = new LinkedHashMap<>();
        jmh.put("mode", "every fuse() call timed (one step of b sequences, logits already staged): mean, min, p10, median");
        jmh.put("warmup", warmup + " x " + warmupMillis + " ms");
        jmh.put("measurement", iterations + " x " + millis + " ms");
        jmh.put("forks", 1);
        file.put("jmh", jmh);
        file.put("results", cases);
        BenchResults.write(BenchResults.file(out, "kernels", devices.values().iterator().next()), file);
    }

    /** Backend id → device, fastest first, for the requested backends that run here. */
    private static Map<String, String> runnableBackends(String[] requested) {
        List<String> wanted = requested == null ? null : List.of(requested);
        Map<String, String> devices = new LinkedHashMap<>();
        for (LogitFusions.Availability candidate : LogitFusions.available()) {
            String id = candidate.backend().id();
            if (wanted != null && !wanted.contains(id)) {
                continue;
            }
            if (!candidate.available()) {
                System.out.println("skipping " + id + ": " + candidate.unavailableReason().orElseThrow());
                continue;
            }
            try (LogitFusion fusion = candidate.factory().open(new FusionShape(1, 1, 16, 0, 0))) {
                devices.put(id, fusion.device());
            }
        }
        return devices;
    }

    private static double round(double microseconds) {
        return Math.round(microseconds * 100) / 100.0;
    }
}
