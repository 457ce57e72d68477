package dev.chorus.server.cli;

import dev.chorus.engine.merge.MergeProgress;
import dev.chorus.engine.merge.MergeRecipe;
import dev.chorus.engine.merge.MergeRunner;
import dev.chorus.engine.merge.MergeSummary;
import dev.chorus.engine.merge.RecipeParser;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chorus merge RECIPE.yaml [--out FILE] [--backend auto|cuda|opencl|java]}: merges GGUF models by a recipe. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge GGUF models by a mergekit-style recipe (linear, slerp, task_arithmetic, ties, dare_linear, "
                + "dare_ties, breadcrumbs, breadcrumbs_ties), streaming one tensor at a time through the device.")
final class MergeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RECIPE", description = "the recipe YAML (see docs/merging.md)")
    Path recipe;

    @Option(names = "--out", paramLabel = "FILE",
            description = "the GGUF file to write, atomically (default: the recipe's name with .gguf beside it)")
    Path output;

    @Option(names = "--backend", defaultValue = "auto",
            description = "auto, cuda, opencl or java (default: ${DEFAULT-VALUE}, the fastest that runs here)")
    String backend;

    @Override
    public Integer call() throws Exception {
        MergeRecipe parsed = RecipeParser.parse(recipe);
        Path target = output != null ? output : defaultOutput(recipe);
        MergeSummary summary = MergeRunner.run(parsed, target, backend,
                device -> System.err.println("merging with " + parsed.method().id() + " on " + device),
                new ProgressLine(recipe));
        System.out.printf(Locale.ROOT, "wrote %s: %d tensors, %.2f GB of input in %.1f s (%.2f GB/s) on %s%n",
                summary.output(), summary.tensors(), summary.inputBytes() / 1e9, summary.seconds(),
                summary.gigabytesPerSecond(), summary.backend());
        return 0;
    }

    private static Path defaultOutput(Path recipe) {
        String name = recipe.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return recipe.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".gguf");
    }

    /** {@link Progress} labelled with the tensor count, created once the plan knows the total. */
    private static final class ProgressLine implements MergeProgress {
        private final Path recipe;
        private Progress progress;

        ProgressLine(Path recipe) {
            this.recipe = recipe;
        }

        @Override
        public void update(int tensorsDone, int tensors, long bytesRead, long bytesToRead) {
            if (progress == null) {
                progress = new Progress(System.err, "merge " + recipe.getFileName() + ", " + tensors + " tensors",
                        bytesToRead);
            }
            if (tensorsDone == tensors) {
                progress.finish();
            } else {
                progress.update(bytesRead);
            }
        }
    }
}
