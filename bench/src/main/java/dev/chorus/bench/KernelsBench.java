package dev.chorus.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link FusionBenchmark} for every backend that runs here (the others are listed with their reason
 * and skipped) and writes {@code <out>/kernels-<device>-<date>.json}: the machine, the date, the JMH
 * settings and one object per case {@code {"backend","device","n","b","v","sampling","us_per_step","error_us"}}.
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
            row.put("us_per_step", round(run.getPrimaryResult().getScore()));
            row.put("error_us", round(run.getPrimaryResult().getScoreError()));
            cases.add(row);
        }
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("machine", machine(devices));
        file.put("date", Instant.now().toString());
        Map<String, Object> jmh = new LinkedHashMap<>();
        jmh.put("mode", "average time per fuse() call (one step of b sequences), logits already staged");
        jmh.put("warmup", warmup + " x " + warmupMillis + " ms");
        jmh.put("measurement", iterations + " x " + millis + " ms");
        jmh.put("forks", 1);
        file.put("jmh", jmh);
        file.put("results", cases);
        String device = devices.values().iterator().next();
        Path target = out.resolve("kernels-" + slug(device) + "-" + LocalDate.now(ZoneOffset.UTC) + ".json");
        Files.createDirectories(out);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(target.toFile(), file);
        System.out.println("wrote " + target);
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

    private static Map<String, Object> machine(Map<String, String> devices) {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("host", hostName());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("devices", devices);
        return machine;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }

    private static double round(double microseconds) {
        return Math.round(microseconds * 100) / 100.0;
    }

    private static String slug(String device) {
        return device.toLowerCase(Locale.ROOT).replaceAll("\\(.*?\\)", "").replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-|-$", "");
    }
}
