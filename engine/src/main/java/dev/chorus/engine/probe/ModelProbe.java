package dev.chorus.engine.probe;

import dev.chorus.natives.ChildJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Loads untrusted model files in a short-lived child JVM ({@link ProbeChild}) before this process loads them:
 * llama.cpp aborts the whole process on some file contents ({@code GGML_ASSERT}), and an abort there kills the
 * child, not the server. One child takes every file; when it dies or stops answering, the file it was on gets the
 * outcome and a new child takes the rest.
 */
public final class ModelProbe {
    /** Prefix of the child's result lines: {@code chorus-probe <index> ok|refused <text>}. */
    static final String RESULT_PREFIX = "chorus-probe\t";
    /** Time for the child JVM to start before its first answer counts against a file. */
    private static final Duration STARTUP = Duration.ofSeconds(20);
    private static final int STDERR_TAIL_LINES = 4;

    /** How probing one file ended. */
    public enum Outcome {
        /** Loaded, decoded a prompt and sampled a token. */
        LOADED,
        /** Refused with an error (Chorus's checks or llama.cpp's own): safe to report, nothing died. */
        REFUSED,
        /** The child died (llama.cpp aborted it, typically SIGABRT from a GGML_ASSERT). */
        CRASHED,
        /** The child did not finish the file in time and was killed. */
        TIMED_OUT
    }

    /** The outcome for one file, with llama.cpp's description, the error, or the end of the child's stderr. */
    public record Result(Path file, Outcome outcome, String detail) {
        public boolean loaded() {
            return outcome == Outcome.LOADED;
        }
    }

    private final Duration perFile;

    /** @param perFile the longest one file may take once the child is up */
    public ModelProbe(Duration perFile) {
        this.perFile = perFile;
    }

    /** Probes each file, in order; always one result per file. */
    public List<Result> probe(List<Path> files) {
        List<Result> results = new ArrayList<>();
        while (results.size() < files.size()) {
            results.addAll(runChild(files.subList(results.size(), files.size())));
        }
        return results;
    }

    /** One child over {@code files}: the results it gave, ending with the one it died or hung on. */
    private List<Result> runChild(List<Path> files) {
        Path scratch = null;
        Process child = null;
        try {
            scratch = Files.createTempDirectory("chorus-probe");
            Path stderr = scratch.resolve("stderr.log");
            child = new ProcessBuilder(command(files, scratch)).redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            BlockingQueue<String> lines = new ArrayBlockingQueue<>(files.size() + 1);
            Process started = child;
            Thread reader = Thread.ofVirtual().start(() -> readResults(started, lines));
            List<Result> results = new ArrayList<>();
            Duration wait = STARTUP.plus(perFile);
            while (results.size() < files.size()) {
                String line = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                Path file = files.get(results.size());
                if (line == null) {
                    child.destroyForcibly().waitFor();
                    results.add(new Result(file, Outcome.TIMED_OUT, "no answer from llama.cpp within " + perFile
                            .toSeconds() + " s"));
                    return results;
                }
                if (line.isEmpty()) { // end of output: the child died
                    int status = child.waitFor();
                    results.add(new Result(file, Outcome.CRASHED, describeDeath(status, stderr)));
                    return results;
                }
                String[] fields = line.split("\t", 3);
                results.add(new Result(file, fields[1].equals("ok") ? Outcome.LOADED : Outcome.REFUSED,
                        fields.length > 2 ? fields[2] : ""));
                wait = perFile;
            }
            child.waitFor();
            reader.join();
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the model probe", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing " + files, e);
        } finally {
            if (child != null) {
                child.destroyForcibly();
            }
            deleteQuietly(scratch);
        }
    }

    /** Result lines into {@code lines}, then an empty line at the end of the child's output. */
    private static void readResults(Process child, BlockingQueue<String> lines) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                String[] fields = line.split("\t", 3);
                if (line.startsWith(RESULT_PREFIX) && fields.length >= 2) {
                    lines.put(line.substring(RESULT_PREFIX.length()));
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // the child was killed; the empty line below says so
        }
        lines.offer("");
    }

    /**
     * The child JVM: quick to start, its crash report (if any) kept in {@code scratch}, and no core file from an
     * abort (the shell sets the core size limit to 0 first).
     */
    private List<String> command(List<Path> files, Path scratch) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -c 0; exec \"$@\"", "sh",
                ChildJvm.java().toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m",
                "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + scratch.resolve("hs_err.log"),
                "-cp", ChildJvm.classPath(ProbeChild.class)));
        // Where llama.cpp comes from (chorus.llama.dir, the cache folder) must be the same in the child.
        for (Map.Entry<Object, Object> property : System.getProperties().entrySet()) {
            if (property.getKey().toString().startsWith("chorus.")) {
                command.add("-D" + property.getKey() + "=" + property.getValue());
            }
        }
        command.add(ProbeChild.class.getName());
        files.forEach(file -> command.add(file.toAbsolutePath().toString()));
        return command;
    }

    private static String describeDeath(int status, Path stderr) {
        String how = status > 128 ? "killed by signal " + (status - 128) + (status == 134 ? " (SIGABRT)" : "")
                : "exited with status " + status;
        List<String> tail = List.of();
        try {
            List<String> all = Files.readAllLines(stderr, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.isBlank()).toList();
            tail = all.subList(Math.max(0, all.size() - STDERR_TAIL_LINES), all.size());
        } catch (IOException | UncheckedIOException ignored) {
            // the status alone still says what happened
        }
        return "llama.cpp " + how + (tail.isEmpty() ? "" : ": " + String.join(" | ", tail));
    }

    private static void deleteQuietly(Path folder) {
        if (folder == null) {
            return;
        }
        try (var entries = Files.list(folder)) {
            for (Path entry : entries.toList()) {
                Files.deleteIfExists(entry);
            }
            Files.deleteIfExists(folder);
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary log left behind is harmless
        }
    }
}
