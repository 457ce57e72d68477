package dev.chorus.server.cli;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufRequantizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The distribution's home folder and its demo models ({@code models/chorus-*-13m-q8_0.gguf}). A
 * distribution normally ships them; when they are missing they are prepared again from the F16
 * originals in the shared model folder, exactly as {@code models/README.md} describes.
 */
final class DemoModels {
    private static final List<String> NAMES = List.of("base", "kjv", "pydocs");

    private DemoModels() {
    }

    /** {@code chorus.home} (set by bin/chorus), else the folder above the jar's {@code lib/}. */
    static Path home() {
        String configured = System.getProperty("chorus.home");
        if (configured != null) {
            return Path.of(configured);
        }
        try {
            Path jar = Path.of(DemoModels.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the Chorus home folder", e);
        }
    }

    /** Makes sure every demo model exists, quantising missing ones from the shared F16 models when found. */
    static void ensurePresent() {
        Path models = home().resolve("models");
        for (String name : NAMES) {
            Path model = models.resolve("chorus-" + name + "-13m-q8_0.gguf");
            if (Files.isRegularFile(model)) {
                continue;
            }
            Path original = sharedModels().resolve("chorus-" + name + "-13m-f16.gguf");
            if (!Files.isRegularFile(original)) {
                throw new IllegalStateException("demo model " + model + " is missing and its F16 original "
                        + original + " is not there to prepare it from (set chorus.shared.dir)");
            }
            prepare(original, model);
        }
    }

    private static void prepare(Path original, Path model) {
        try {
            Files.createDirectories(model.getParent());
            Progress progress = new Progress(System.err, "preparing " + model.getFileName(), Files.size(original));
            GgufRequantizer.requantize(original, model, GgmlType.Q8_0, progress::update);
            progress.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare demo model " + model + ": " + e.getMessage(), e);
        }
    }

    private static Path sharedModels() {
        String shared = System.getProperty("chorus.shared.dir", System.getenv().getOrDefault("CHORUS_SHARED_DIR",
                home().resolve("../shared").toString()));
        return Path.of(shared).resolve("models");
    }
}
