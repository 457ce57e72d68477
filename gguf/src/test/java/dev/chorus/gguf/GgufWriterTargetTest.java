package dev.chorus.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where {@link GgufWriter} may write, and the temporary files it leaves (none) or sweeps (stale ones). */
class GgufWriterTargetTest {
    @TempDir
    Path folder;

    @Test
    void specialFilesAndFoldersAreRefused() throws Exception {
        Path fifo = folder.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        for (Path special : List.of(Path.of("/dev/null"), Path.of("/dev/full"), fifo, folder)) {
            IOException refused = assertThrows(IOException.class, () -> GgufWriter.create(special));
            assertTrue(refused.getMessage().contains(special + " is not a regular file"), refused.getMessage());
        }
        assertFalse(Files.isRegularFile(Path.of("/dev/full")), "/dev/full is still the device");
        assertEquals(List.of(fifo), listing());
    }

    @Test
    void aMissingFolderIsNamed() {
        Path target = folder.resolve("no/such/dir/out.gguf");
        NoSuchFileException refused = assertThrows(NoSuchFileException.class, () -> GgufWriter.create(target));
        assertTrue(refused.getMessage().contains(folder.resolve("no/such/dir") + ": the folder of out.gguf does not"
                + " exist"), refused.getMessage());
    }

    @Test
    void staleTemporaryFilesOfTheSameTargetAreSweptButLiveOnesKept() throws IOException {
        Path target = folder.resolve("model.gguf");
        Path stale = folder.resolve(".model.gguf.killed.part");
        Path otherTarget = folder.resolve(".other.gguf.killed.part");
        Files.write(stale, new byte[100]);
        Files.write(otherTarget, new byte[100]);
        try (GgufWriter live = GgufWriter.create(target)) {
            assertFalse(Files.exists(stale), "a part no process holds is swept");
            Path livePart = onlyPartOf("model.gguf");
            try (GgufWriter second = GgufWriter.create(target)) {
                assertTrue(Files.exists(livePart), "another live writer's part is kept");
                write(second);
            }
            write(live);
        }
        assertTrue(Files.exists(otherTarget), "parts of other targets are not touched");
        assertEquals(List.of(otherTarget, target), listing());
    }

    private static void write(GgufWriter writer) throws IOException {
        writer.addTensor("t", GgmlType.F32, 8);
        writer.writeTensor("t", MemorySegment.ofArray(new float[8]));
    }

    private Path onlyPartOf(String name) throws IOException {
        try (var files = Files.list(folder)) {
            List<Path> parts = files.filter(file -> file.getFileName().toString().startsWith("." + name + "."))
                    .toList();
            assertEquals(1, parts.size(), parts.toString());
            return parts.getFirst();
        }
    }

    private List<Path> listing() throws IOException {
        try (var files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }
}
