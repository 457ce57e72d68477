package dev.chorus.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where tests find the three real 12.7 M-parameter models ({@code base}, {@code kjv}, {@code pydocs}): the F16
 * originals in {@code ${chorus.shared.dir}/models} when that folder has them, otherwise the Q8_0 copies every clone
 * of the repository carries in {@code ${chorus.models.dir}} (the repository's {@code models/}), so a clone alone
 * runs the suites that need real text. Tests whose expectations are the F16 files' own numbers (reference
 * perplexities on the held-out tokens) use {@link #shared()} and skip without it.
 *
 * @param folder the folder holding the three files
 * @param f16    whether they are the shared F16 originals (else the repository's Q8_0 copies)
 */
public record RealModels(Path folder, boolean f16) {

    /** The logical names, one per model. */
    public static final String BASE = "base";
    public static final String KJV = "kjv";
    public static final String PYDOCS = "pydocs";

    /** The shared F16 models if present, else the repository's Q8_0 copies, else empty. */
    public static Optional<RealModels> locate() {
        return shared().or(RealModels::repository);
    }

    /** The shared F16 models, whose folder also holds the held-out token files; empty when absent. */
    public static Optional<RealModels> shared() {
        return complete(new RealModels(sharedFolder(), true));
    }

    /** The repository's Q8_0 copies (a draft for the F16 models, say); empty when absent. */
    public static Optional<RealModels> repository() {
        return complete(new RealModels(repositoryFolder(), false));
    }

    /** Where {@link #locate()} looked, for the message of a test that skips. */
    public static String searched() {
        return "neither " + sharedFolder() + " (-Dchorus.shared.dir) nor " + repositoryFolder()
                + " (-Dchorus.models.dir) holds the three real models";
    }

    /** The file of model {@code name} ({@link #BASE}, {@link #KJV} or {@link #PYDOCS}). */
    public Path path(String name) {
        if (!name.equals(BASE) && !name.equals(KJV) && !name.equals(PYDOCS)) {
            throw new IllegalArgumentException("no real model named " + name);
        }
        return folder.resolve("chorus-" + name + "-13m-" + (f16 ? "f16" : "q8_0") + ".gguf");
    }

    private static Optional<RealModels> complete(RealModels models) {
        boolean all = Files.isRegularFile(models.path(BASE)) && Files.isRegularFile(models.path(KJV))
                && Files.isRegularFile(models.path(PYDOCS));
        return all ? Optional.of(models) : Optional.empty();
    }

    private static Path sharedFolder() {
        return Path.of(System.getProperty("chorus.shared.dir", "../../shared")).resolve("models").toAbsolutePath().normalize();
    }

    private static Path repositoryFolder() {
        return Path.of(System.getProperty("chorus.models.dir", "../models")).toAbsolutePath().normalize();
    }
}
