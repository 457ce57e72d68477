package dev.chorus.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which cached native build {@link NativeBuilds#find} accepts: complete, and made for exactly this CPU's flags. */
class NativeBuildsTest {

    private static final String FLAGS = "fpu sse2 avx2 fma";

    @TempDir
    Path cache;

    @Test
    void aCompleteBuildForTheseFlagsIsFound() throws Exception {
        Path folder = build("native-linux-x86_64-aaaa", FLAGS, true);

        assertEquals(Optional.of(folder.resolve("lib")), NativeBuilds.find(cache, FLAGS).map(NativeBuilds.NativeBuild::lib));
        assertEquals(folder.resolve("bin/rpc-server"), NativeBuilds.find(cache, FLAGS).orElseThrow().rpcServer());
    }

    @Test
    void aBuildForOtherFlagsIsNotUsed() throws Exception {
        build("native-linux-x86_64-aaaa", FLAGS + " avx512f", true);

        assertTrue(NativeBuilds.find(cache, FLAGS).isEmpty(), "-march=native code of another CPU may not run here");
    }

    @Test
    void anIncompleteBuildIsNotUsed() throws Exception {
        build("native-linux-x86_64-aaaa", FLAGS, false);
        Path complete = build("native-linux-x86_64-bbbb", FLAGS, true);

        assertEquals(complete, NativeBuilds.find(cache, FLAGS).orElseThrow().folder());
    }

    @Test
    void noCacheMeansNoBuild() {
        assertTrue(NativeBuilds.find(cache.resolve("absent"), FLAGS).isEmpty());
    }

    @Test
    void theFlagsAreReadFromProcCpuinfo() {
        if (Files.isReadable(Path.of("/proc/cpuinfo"))) {
            assertTrue(NativeBuilds.cpuFlags().orElseThrow().contains("sse2"), NativeBuilds.cpuFlags().toString());
        }
    }

    private Path build(String name, String flags, boolean complete) throws Exception {
        Path folder = Files.createDirectories(LlamaLibraries.versionFolder(cache).resolve(name));
        Files.createDirectories(folder.resolve("lib"));
        Files.createDirectories(folder.resolve("bin"));
        Files.writeString(folder.resolve("machine.txt"), "llama_version=0.5.0\ncpu_model=Test CPU\ncpu_flags=" + flags + "\n");
        if (complete) {
            Files.writeString(folder.resolve(".complete"), name + "\n");
        }
        return folder;
    }
}
