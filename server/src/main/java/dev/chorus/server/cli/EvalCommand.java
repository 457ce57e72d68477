package dev.chorus.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.eval.EvalProgress;
import dev.chorus.engine.eval.Perplexity;
import dev.chorus.engine.eval.PerplexityEvaluator;
import dev.chorus.engine.eval.TokenWindows;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code chorus eval}: perplexity of models and collaborations on held-out tokens or text, through the same
 * llama.cpp bindings and fusion kernels that serve requests. Every window is decoded from an empty context and
 * tokens 1..n−1 are scored given the tokens before them.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Perplexity, mean NLL and speed of models and collaborations on held-out tokens or text.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = {"-m", "--model"}, paramLabel = "NAME", required = true, arity = "1..*",
            description = "models or collaborations to evaluate (repeatable; each model is decoded once for all)")
    List<String> names;

    @ArgGroup(multiplicity = "1")
    Input input;

    @Option(names = "--window", defaultValue = "512",
            description = "tokens per window, BOS first, decoded from an empty context (default: ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--oracle", paramLabel = "NAME", split = ",",
            description = "also score the oracle router over these evaluated names: the best of them on each window,"
                    + " an upper bound for routers (e.g. --oracle kjv,pydocs)")
    List<String> oracle = List.of();

    @Option(names = "--json", description = "print the results as one JSON object instead of a table")
    boolean json;

    /** Exactly one source of tokens. */
    static final class Input {
        @Option(names = "--tokens", paramLabel = "FILE.i32", required = true,
                description = "little-endian int32 tokens, a whole number of windows, each starting with BOS")
        Path tokens;

        @Option(names = "--text", paramLabel = "FILE", required = true,
                description = "UTF-8 text, tokenised with the models' vocabulary and cut into windows")
        Path text;

        Path file() {
            return tokens != null ? tokens : text;
        }
    }

    @Override
    public Integer call() throws Exception {
        Path configFile = config.resolve();
        EngineConfig engineConfig = EngineConfig.load(configFile);
        System.err.println("chorus: loading " + configFile + " ...");
        try (PerplexityEvaluator evaluator = PerplexityEvaluator.open(engineConfig, names, window)) {
            TokenWindows windows = input.tokens != null ? TokenWindows.readInt32(input.tokens, window)
                    : TokenWindows.fromText(Files.readString(input.text), evaluator.vocab(), window);
            System.err.printf(Locale.ROOT, "chorus: %d windows, %d scored tokens of %s; fusion: %s%n",
                    windows.count(), windows.scoredTokens(), input.file(),
                    String.join(", ", new LinkedHashSet<>(evaluator.backends().values())));
            List<Perplexity> results = new ArrayList<>(evaluator.evaluate(windows, new WindowProgress(System.err)));
            if (!oracle.isEmpty()) {
                results.add(evaluator.oracleRouter("oracle(" + String.join("|", oracle) + ")", oracle));
            }
            if (json) {
                System.out.println(json(configFile, windows, results, evaluator.backends()));
            } else {
                printTable(results, System.out);
            }
            return 0;
        }
    }

    private static void printTable(List<Perplexity> results, PrintStream out) {
        int width = Math.max("collaboration".length(), results.stream().mapToInt(r -> r.name().length()).max().orElse(0));
        String row = "%-" + width + "s  %-11s  %8s  %9s  %10s  %9s  %s%n";
        out.printf(Locale.ROOT, row, "collaboration", "kind", "tokens", "mean NLL", "perplexity", "tokens/s", "");
        for (Perplexity result : results) {
            String note = result.zeroProbabilityTokens() == 0 ? "" : String.format(Locale.ROOT,
                    "%d tokens with probability 0; on the other %.1f%%: perplexity %.3f",
                    result.zeroProbabilityTokens(), 100 * result.coverage(), result.coveredPerplexity());
            if (result.leadTokens() > 0) {
                note = String.format(Locale.ROOT, "gate: the lead decided %.1f%% alone", 100 * result.skippedShare());
            }
            out.printf(Locale.ROOT, row, result.name(), result.kind().configName(), result.tokens(),
                    String.format(Locale.ROOT, "%.5f", result.meanNll()),
                    String.format(Locale.ROOT, "%.3f", result.perplexity()),
                    String.format(Locale.ROOT, "%.0f", result.tokensPerSecond()), note);
        }
    }

    private String json(Path configFile, TokenWindows windows, List<Perplexity> results, Map<String, String> backends)
            throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("config", configFile.toString());
        root.put("input", input.file().toString());
        root.put("window", window);
        root.put("windows", windows.count());
        ArrayNode array = root.putArray("results");
        for (Perplexity result : results) {
            ObjectNode node = array.addObject()
                    .put("name", result.name())
                    .put("kind", result.kind().configName())
                    .put("tokens", result.tokens())
                    .put("zero_probability_tokens", result.zeroProbabilityTokens())
                    .put("coverage", result.coverage())
                    .put("lead_tokens", result.leadTokens())
                    .put("skipped_share", result.skippedShare())
                    .put("seconds", result.seconds())
                    .put("fusion", backends.get(result.name()));
            // JSON has no infinity: a perplexity that is infinite is null, the covered one still says how close.
            putFinite(node, "mean_nll", result.meanNll());
            putFinite(node, "perplexity", result.perplexity());
            putFinite(node, "covered_perplexity", result.coveredPerplexity());
            putFinite(node, "tokens_per_second", result.tokensPerSecond());
        }
        return mapper.writeValueAsString(root);
    }

    private static void putFinite(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }

    /** One line per quarter of the windows (a redrawn line on a terminal), with the elapsed time. */
    private static final class WindowProgress implements EvalProgress {
        private final PrintStream out;
        private final boolean terminal = System.console() != null;
        private final long startNanos = System.nanoTime();
        private int lastQuarter;

        WindowProgress(PrintStream out) {
            this.out = out;
        }

        @Override
        public void windowDone(int done, int total) {
            int quarter = 4 * done / total;
            String line = String.format(Locale.ROOT, "eval: window %d/%d (%d%%), %.1f s", done, total,
                    100 * done / total, (System.nanoTime() - startNanos) / 1e9);
            if (terminal) {
                out.print("\r" + line + (done == total ? "\n" : ""));
            } else if (quarter > lastQuarter) {
                out.println(line);
                lastQuarter = quarter;
            }
        }
    }
}
