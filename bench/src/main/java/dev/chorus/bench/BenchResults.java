package dev.chorus.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What every results file under {@code bench/results/} shares: the machine, a file name, an atomic write. */
public final class BenchResults {
    private BenchResults() {
    }

    /** Host, OS, CPUs, Java, and the devices the benchmark ran on. */
    public static Map<String, Object> machine(Map<String, String> devices) {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("host", hostName());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("devices", devices);
        return machine;
    }

    /** {@code <out>/<kind>-<device slug>-<UTC date>.json}. */
    public static Path file(Path out, String kind, String device) {
        return out.resolve(kind + "-" + slug(device) + "-" + LocalDate.now(ZoneOffset.UTC) + ".json");
    }

    /** Writes {@code json} as indented JSON to {@code target} through a temporary file, so no reader sees half a file. */
    public static void write(Path target, Object json) throws IOException {
        Path folder = target.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path temporary = Files.createTempFile(folder, "." + target.getFileName(), ".part");
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(temporary.toFile(), json);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
        System.out.println("wrote " + target);
    }

    /** The one-minute load average, which the machine's other users drive. */
    public static double loadAverage() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    /** The CPU's model name from {@code /proc/cpuinfo}, or "cpu". */
    public static String cpuName() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse("cpu");
    }

    static String slug(String device) {
        return device.toLowerCase(Locale.ROOT).replaceAll("\\(.*?\\)", "").replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-|-$", "");
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
