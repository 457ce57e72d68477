package dev.chorus.server.cli;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufWriter;
import dev.chorus.natives.ChildJvm;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code chorus merge} in a child process, stopped mid-merge: SIGTERM (the shutdown hook) leaves no temporary file
 * and no output; SIGKILL leaves its temporary file, which the next writer of the same output sweeps.
 */
@Timeout(300)
class MergeSignalTest {
    /** Large enough that the merge runs for a second or more after its temporary file appears. */
    private static final FixtureModel MEMBER = FixtureModel.DEFAULT.withName("merge-signal").withEmbeddingLength(512)
            .withFeedForwardLength(1536).withLayers(4).withTensorType(GgmlType.F32);
    private static final int SIGTERM_STATUS = 128 + 15;

    @TempDir
    Path folder;

    @Test
    void sigtermMidMergeLeavesNoPartFile() throws Exception {
        Path output = folder.resolve("merged.gguf");
        Process merge = startMerge(output);
        waitForPart(merge);
        merge.destroy(); // SIGTERM
        assertEquals(SIGTERM_STATUS, merge.waitFor(), "the merge was still running when the signal came");
        assertEquals(List.of("recipe.yaml"), names(), "no .part file and no output");
    }

    @Test
    void aKilledMergesPartIsSweptByTheNextWriter() throws Exception {
        Path output = folder.resolve("merged.gguf");
        Process merge = startMerge(output);
        waitForPart(merge);
        merge.destroyForcibly().waitFor(); // SIGKILL: no hook runs
        assertTrue(names().stream().anyMatch(name -> name.startsWith(".merged.gguf.") && name.endsWith(".part")));
        GgufWriter next = GgufWriter.create(output);
        assertEquals(1, names().stream().filter(name -> name.endsWith(".part")).count(), "only the new one");
        next.addTensor("t", GgmlType.F32, 8);
        assertThrows(IllegalStateException.class, next::close, "closed before its tensor: writes nothing");
        assertEquals(List.of("recipe.yaml"), names());
    }

    @Test
    void specialFilesAsOutputAreRefused() throws Exception {
        for (String special : List.of("/dev/full", "/dev/null")) {
            Process merge = startMerge(Path.of(special));
            String errors = new String(merge.getErrorStream().readAllBytes());
            assertEquals(1, merge.waitFor(), errors);
            assertTrue(errors.contains(special + " is not a regular file"), errors);
        }
        assertThrows(IOException.class, () -> GgufWriter.create(Path.of("/dev/full")));
    }

    private Process startMerge(Path output) throws IOException {
        Path a = FixtureModels.cached(MEMBER.withSeed(1));
        Path b = FixtureModels.cached(MEMBER.withSeed(2));
        Path recipe = folder.resolve("recipe.yaml");
        Files.writeString(recipe, """
                merge_method: ties
                base_model: %s
                models:
                  - {model: %s, parameters: {weight: 0.5, density: 0.5}}
                  - {model: %s, parameters: {weight: 0.5, density: 0.5}}
                dtype: float32
                """.formatted(a, a, b));
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-cp", ChildJvm.classPath(ChorusCli.class), ChorusCli.class.getName(),
                "merge", recipe.toString(), "--out", output.toString(), "--backend", "java")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private void waitForPart(Process merge) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (names().stream().noneMatch(name -> name.endsWith(".part"))) {
            if (!merge.isAlive()) {
                throw new AssertionError("the merge ended (status " + merge.exitValue() + ") before its .part file"
                        + " was seen: " + new String(merge.getErrorStream().readAllBytes()) + " " + names());
            }
            assertTrue(System.nanoTime() < deadline, "no .part file within 120 s");
            Thread.sleep(2);
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
