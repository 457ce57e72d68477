package dev.chorus.server.cli;

import dev.chorus.natives.NativeBuilds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code chorus build-native}: builds the bundled llama.cpp for this CPU, with the RPC backend and its
 * {@code rpc-server}, into the cache Chorus loads from (once per machine and version; later runs find it).
 */
@Command(name = "build-native", mixinStandardHelpOptions = true,
        description = {"Build the bundled llama.cpp for this CPU (GGML_NATIVE, with RPC and rpc-server) into the cache;"
                + " Chorus then prefers it to the npm prebuilt. Needs cmake, ninja, git and a C++ compiler."})
final class BuildNativeCommand implements Callable<Integer> {
    @Option(names = "--jobs", description = "parallel compile jobs (default: the CPU count)")
    int jobs = Runtime.getRuntime().availableProcessors();

    @Option(names = "--tools", description = "also build llama-server, llama-cli and llama-bench (for benchmarks)")
    boolean tools;

    @Override
    public Integer call() {
        NativeBuilds.NativeBuild build = NativeBuilds.build(jobs, tools, System.err::println);
        System.out.println(build.folder());
        return 0;
    }
}
