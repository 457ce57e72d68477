package dev.chorus.server.cli;

import dev.chorus.natives.LlamaLibraries;
import dev.chorus.natives.NativeBuilds;
import dev.chorus.natives.NativeLibraryException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * On the first run of a command that loads models, where a compiler exists and no build for this CPU is cached,
 * builds one ({@code chorus build-native}) with its progress on stderr before anything is loaded. A failed build is
 * remembered ({@value #FAILED} in the cache) so later runs start at once on the npm prebuilt.
 */
final class NativeFirstRun {
    private static final Set<String> MODEL_COMMANDS = Set.of("serve", "run", "demo", "eval");
    static final String FAILED = "native-build-failed.txt";

    private NativeFirstRun() {
    }

    static void offer(String[] args, PrintStream err) {
        if (args.length == 0 || !MODEL_COMMANDS.contains(args[0]) || configuredElsewhere()
                || NativeBuilds.forThisMachine().isPresent() || !NativeBuilds.canBuild()) {
            return;
        }
        Path failed = LlamaLibraries.cacheFolder().resolve(FAILED);
        if (Files.exists(failed)) {
            return;
        }
        err.println("chorus: first run on this machine: building llama.cpp for this CPU (faster than the npm prebuilt,"
                + " with RPC); this takes several minutes once. Set " + NativeBuilds.USE_ENV + "=off to skip.");
        try {
            NativeBuilds.build(Runtime.getRuntime().availableProcessors(), false, line -> err.println("  " + line));
        } catch (NativeLibraryException e) {
            err.println("chorus: the build failed; using the npm prebuilt (`chorus build-native` retries): " + e.getMessage());
            try {
                Files.createDirectories(failed.getParent());
                Files.writeString(failed, e.getMessage() + "\n");
            } catch (IOException ignored) {
                // Then the next run tries again.
            }
        }
    }

    private static boolean configuredElsewhere() {
        String dir = System.getProperty(LlamaLibraries.DIR_PROPERTY, System.getenv(LlamaLibraries.DIR_ENV));
        String use = System.getProperty(NativeBuilds.USE_PROPERTY, System.getenv(NativeBuilds.USE_ENV));
        return (dir != null && !dir.isBlank()) || (use != null && use.strip().equalsIgnoreCase("off"));
    }
}
