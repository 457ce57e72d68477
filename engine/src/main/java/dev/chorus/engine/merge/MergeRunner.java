package dev.chorus.engine.merge;

import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeBackends;
import dev.chorus.kernels.merge.MergeKernels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Runs a recipe on merge kernels chosen by name, so that callers outside the engine (the CLI) name no kernel type. */
public final class MergeRunner {
    private MergeRunner() {
    }

    /**
     * Opens the merge kernels of {@code backend} ({@code auto} for the fastest that runs here, or {@code cuda},
     * {@code opencl}, {@code java}), tells {@code device} which backend and device they are, and runs the recipe.
     *
     * @throws IllegalArgumentException for an unknown backend name
     * @throws IllegalStateException    when the named backend cannot run here, with the reason
     */
    public static MergeSummary run(MergeRecipe recipe, Path output, String backend, Consumer<String> device,
                                   MergeProgress progress) throws IOException {
        try (MergeKernels kernels = backend.equalsIgnoreCase("auto") ? MergeBackends.openFastest()
                : MergeBackends.open(MergeBackend.parse(backend))) {
            device.accept(kernels.backend().id() + " (" + kernels.device() + ")");
            return MergePipeline.run(recipe, output, kernels, progress);
        }
    }
}
