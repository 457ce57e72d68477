package dev.chorus.bench.serving;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An OpenAI-compatible server started as its own process for one benchmark round (Chorus or llama-server, on a
 * loopback port), its output kept in a log file, stopped (with its children) at close.
 */
final class ServerProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final URI base;
    private final long readyNanos;

    private ServerProcess(Process process, URI base, long readyNanos) {
        this.process = process;
        this.base = base;
        this.readyNanos = readyNanos;
    }

    /** Starts {@code command} and waits until {@code base}/health answers 200. */
    static ServerProcess start(List<String> command, URI base, Path log, HttpClient http)
            throws IOException, InterruptedException {
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        HttpRequest health = HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() - started < READY_TIMEOUT.toNanos()) {
            if (!process.isAlive()) {
                throw new IOException(command.getFirst() + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return new ServerProcess(process, base, System.nanoTime() - started);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        process.destroyForcibly();
        throw new IOException(command.getFirst() + " was not ready in " + READY_TIMEOUT + "; see " + log);
    }

    URI base() {
        return base;
    }

    /** From the start to the first healthy answer. */
    double readySeconds() {
        return readyNanos / 1e9;
    }

    /** Resident memory of the server and its child processes (a launcher script's JVM), in KiB. */
    long residentKiB() throws IOException {
        long total = 0;
        for (ProcessHandle handle : Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList()) {
            Path status = Path.of("/proc", Long.toString(handle.pid()), "status");
            if (!Files.isReadable(status)) {
                continue;
            }
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    total += Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        return total;
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            process.waitFor();
        }
    }
}
