package dev.chorus.natives;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The llama.cpp builds made for this machine from the bundled source by {@code build-llama-native.sh}
 * (packed in this jar, so {@code chorus build-native} works from the distribution too): folders
 * {@code <cache>/llama-<version>/native-linux-x86_64-<key>/} with {@code lib/}, {@code bin/rpc-server},
 * {@code machine.txt} and a {@code .complete} marker the script writes last. A build is only used on
 * a CPU with exactly the flags it was built on ({@code -march=native} code elsewhere may not run).
 */
public final class NativeBuilds {

    /** {@code -Dchorus.llama.native=off} (or {@code CHORUS_LLAMA_NATIVE=off}) keeps Chorus on the npm prebuilt. */
    public static final String USE_PROPERTY = "chorus.llama.native";
    public static final String USE_ENV = "CHORUS_LLAMA_NATIVE";
    static final String SCRIPT = "build-llama-native.sh";
    private static final List<String> SCRIPTS = List.of(SCRIPT, "fetch-llama.sh", "amx-mmq-fix.cmake");
    private static final String CPU_FLAGS = "cpu_flags=";

    private NativeBuilds() {}

    /** The complete build for this CPU in the cache, if there is one and it is not switched off. */
    public static Optional<NativeBuild> forThisMachine() {
        String use = System.getProperty(USE_PROPERTY, System.getenv(USE_ENV));
        if (use != null && use.strip().equalsIgnoreCase("off")) {
            return Optional.empty();
        }
        return cpuFlags().flatMap(flags -> find(LlamaLibraries.cacheRoot(), flags));
    }

    /** The complete build under {@code cacheRoot} made for a CPU with {@code cpuFlags}, the first by name. */
    static Optional<NativeBuild> find(Path cacheRoot, String cpuFlags) {
        Path versionFolder = LlamaLibraries.versionFolder(cacheRoot);
        if (!Files.isDirectory(versionFolder)) {
            return Optional.empty();
        }
        try (Stream<Path> folders = Files.list(versionFolder)) {
            return folders
                    .filter(folder -> folder.getFileName().toString().startsWith("native-" + Platform.current().id() + "-"))
                    .filter(folder -> Files.isRegularFile(folder.resolve(".complete")))
                    .filter(folder -> builtFor(folder).filter(cpuFlags::equals).isPresent())
                    .sorted()
                    .findFirst()
                    .map(NativeBuild::new);
        } catch (IOException e) {
            throw new NativeLibraryException("cannot list " + versionFolder + ": " + e, e);
        }
    }

    /**
     * Builds llama.cpp for this CPU into the cache (or finds the build there), printing the script's
     * progress lines to {@code progress}. Needs cmake, ninja, git and a C++ compiler, and the node-llama-cpp
     * package (from the npm cache Chorus's own build filled, or fetched with npm).
     *
     * @param tools also build {@code llama-server}, {@code llama-cli} and {@code llama-bench}
     * @throws NativeLibraryException when the build fails, with the script's last lines
     */
    public static NativeBuild build(int jobs, boolean tools, Consumer<String> progress) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
        }
        Path scripts = extractScripts();
        List<String> command = new ArrayList<>(List.of("bash", scripts.resolve(SCRIPT).toString(),
                "--cache", LlamaLibraries.cacheRoot().toString(), "--jobs", Integer.toString(jobs),
                "--llama-version", LlamaLibraries.VERSION, "--nlc-version", LlamaLibraries.NODE_LLAMA_CPP_VERSION));
        if (tools) {
            command.add("--tools");
        }
        try {
            Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
            List<String> tail = new ArrayList<>();
            Thread forwarder = Thread.ofVirtual().start(() -> forwardLines(process.getErrorStream(), progress, tail));
            String folder = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            int status = process.waitFor();
            forwarder.join();
            if (status != 0 || folder.isEmpty()) {
                throw new NativeLibraryException("building llama.cpp for this CPU failed (exit " + status + "): "
                        + String.join(" | ", tail));
            }
            return new NativeBuild(Path.of(folder.lines().reduce((first, last) -> last).orElseThrow()));
        } catch (IOException e) {
            throw new NativeLibraryException("cannot run " + SCRIPT + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NativeLibraryException("interrupted while building llama.cpp", e);
        } finally {
            deleteScripts(scripts);
        }
    }

    /** Whether the tools the build needs are on the PATH (so a first run may offer to build). */
    public static boolean canBuild() {
        return Stream.of("cmake", "ninja", "git", "c++").allMatch(NativeBuilds::onPath);
    }

    /** The {@code flags} line of {@code /proc/cpuinfo}, the same text the script records. */
    static Optional<String> cpuFlags() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("flags"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> builtFor(Path folder) {
        try (Stream<String> lines = Files.lines(folder.resolve("machine.txt"))) {
            return lines.filter(line -> line.startsWith(CPU_FLAGS)).map(line -> line.substring(CPU_FLAGS.length()).strip()).findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Runs on one thread, which the caller joins before it reads {@code tail}. */
    private static void forwardLines(InputStream stream, Consumer<String> progress, List<String> tail) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                progress.accept(line);
                tail.add(line);
                if (tail.size() > 8) {
                    tail.removeFirst();
                }
            }
        } catch (IOException e) {
            progress.accept("(build output lost: " + e + ")");
        }
    }

    private static Path extractScripts() {
        try {
            Path folder = Files.createTempDirectory("chorus-build-native-");
            for (String name : SCRIPTS) {
                try (InputStream in = NativeBuilds.class.getResourceAsStream("scripts/" + name)) {
                    if (in == null) {
                        throw new NativeLibraryException("the chorus-native jar lacks dev/chorus/natives/scripts/" + name);
                    }
                    Files.copy(in, folder.resolve(name));
                }
            }
            return folder;
        } catch (IOException e) {
            throw new NativeLibraryException("cannot unpack the build scripts: " + e, e);
        }
    }

    private static void deleteScripts(Path folder) {
        try {
            for (String name : SCRIPTS) {
                Files.deleteIfExists(folder.resolve(name));
            }
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // A temporary folder left behind is harmless.
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    /** One complete build: its library folder, its {@code rpc-server} and the machine it was built for. */
    public record NativeBuild(Path folder) {
        public Path lib() {
            return folder.resolve("lib");
        }

        public Path rpcServer() {
            return folder.resolve("bin").resolve("rpc-server");
        }

        public Optional<Path> tool(String name) {
            Path tool = folder.resolve("bin").resolve(name);
            return Files.isExecutable(tool) ? Optional.of(tool) : Optional.empty();
        }
    }
}
