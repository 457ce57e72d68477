package dev.chorus.server.cli;

import dev.chorus.engine.probe.ModelProbe;
import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufModelChecks;
import dev.chorus.gguf.GgufTensorInfo;
import dev.chorus.gguf.GgufVocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code chorus models FILE…}: what each GGUF file holds, and whether the files can be fused with one
 * another (logit-level collaboration needs one vocabulary, token by token).
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Inspect GGUF models: architecture, parameters, quantisation, vocabulary, and whether they can fuse.")
final class ModelsCommand implements Callable<Integer> {
    /** How long {@code --probe} gives one file to load and decode a token. */
    private static final Duration PROBE_PER_FILE = Duration.ofMinutes(5);

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "GGUF files")
    List<Path> files;

    @Option(names = "--probe", description = "also load each file through llama.cpp, in a child process, and "
            + "decode one token")
    boolean probe;

    /** Describes every file, each one's error in its place; exit status 1 if any file is unusable. */
    @Override
    public Integer call() {
        PrintStream out = System.out;
        List<String> names = new ArrayList<>();
        List<GgufVocabulary> vocabularies = new ArrayList<>();
        List<Path> wellFormed = new ArrayList<>();
        int failed = 0;
        for (Path file : files) {
            String description = file + System.lineSeparator();
            try (GgufFile gguf = GgufFile.open(file)) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                describe(file, gguf, new PrintStream(buffer, true, StandardCharsets.UTF_8));
                description = buffer.toString(StandardCharsets.UTF_8);
                GgufModelChecks.check(gguf);
                out.print(description);
                wellFormed.add(file);
                if (gguf.contains(GgufVocabulary.TOKENS_KEY)) {
                    names.add(file.getFileName().toString());
                    vocabularies.add(GgufVocabulary.read(gguf));
                }
            } catch (IOException | RuntimeException e) {
                out.print(description);
                out.println("  error         " + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()));
                failed++;
            }
        }
        if (probe && !wellFormed.isEmpty()) {
            for (ModelProbe.Result result : new ModelProbe(PROBE_PER_FILE).probe(wellFormed)) {
                out.println(result.file() + (result.loaded() ? ": llama.cpp loads it (" + result.detail() + ")"
                        : ": llama.cpp " + result.outcome().name().toLowerCase(Locale.ROOT) + ": " + result.detail()));
                failed += result.loaded() ? 0 : 1;
            }
        }
        if (files.size() > 1) {
            out.println(fusion(names, vocabularies));
        }
        return failed == 0 ? 0 : 1;
    }

    private static void describe(Path file, GgufFile gguf, PrintStream out) throws IOException {
        String architecture = gguf.find("general.architecture").map(v -> gguf.getString("general.architecture"))
                .orElse("(unknown)");
        long parameters = gguf.tensors().stream().mapToLong(GgufTensorInfo::elementCount).sum();
        out.println(file);
        out.printf(Locale.ROOT, "  architecture  %s%s%n", architecture,
                gguf.find("general.name").map(v -> " (" + gguf.getString("general.name") + ")").orElse(""));
        out.printf(Locale.ROOT, "  parameters    %s%s%n", humanCount(parameters), shape(gguf, architecture));
        out.printf(Locale.ROOT, "  tensors       %d: %s; %.1f MB on disk, GGUF v%d%n", gguf.tensors().size(),
                typeCounts(gguf.tensors()), Files.size(file) / 1e6, gguf.version());
        out.printf(Locale.ROOT, "  vocabulary    %s%n", vocabulary(gguf));
        out.printf(Locale.ROOT, "  chat template %s%n",
                gguf.contains("tokenizer.chat_template") ? "yes" : "none (Chorus falls back to ChatML)");
    }

    private static String shape(GgufFile gguf, String architecture) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, String> key : Map.of("embedding_length", "n_embd", "block_count", "layers",
                "attention.head_count", "heads", "feed_forward_length", "n_ff", "context_length", "context")
                .entrySet().stream().sorted(Map.Entry.comparingByValue()).toList()) {
            gguf.find(architecture + "." + key.getKey())
                    .ifPresent(value -> parts.add(key.getValue() + " " + gguf.getLong(architecture + "." + key.getKey())));
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    private static String typeCounts(List<GgufTensorInfo> tensors) {
        Map<GgmlType, Long> counts = tensors.stream()
                .collect(Collectors.groupingBy(GgufTensorInfo::type, TreeMap::new, Collectors.counting()));
        return counts.entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String vocabulary(GgufFile gguf) {
        if (!gguf.contains(GgufVocabulary.TOKENS_KEY)) {
            return "none";
        }
        GgufVocabulary vocabulary = GgufVocabulary.read(gguf);
        return vocabulary.tokenizerModel() + " tokenizer, " + vocabulary.tokens().size() + " tokens"
                + special(gguf, "bos") + special(gguf, "eos");
    }

    private static String special(GgufFile gguf, String name) {
        String key = "tokenizer.ggml." + name + "_token_id";
        return gguf.find(key).map(v -> ", " + name + " " + gguf.getLong(key)).orElse("");
    }

    /** One verdict over all files: each compared with the first that has a vocabulary. */
    private static String fusion(List<String> names, List<GgufVocabulary> vocabularies) {
        if (vocabularies.size() < 2) {
            return "fusion: fewer than two of these files have a vocabulary";
        }
        List<String> problems = new ArrayList<>();
        for (int i = 1; i < vocabularies.size(); i++) {
            Optional<String> difference = vocabularies.get(i).firstDifference(names.get(i), vocabularies.getFirst(),
                    names.getFirst());
            difference.ifPresent(problems::add);
        }
        return problems.isEmpty()
                ? "fusion: all " + vocabularies.size() + " share one vocabulary; their logits can be fused"
                : "fusion: not possible — " + String.join("; ", problems);
    }

    private static String humanCount(long count) {
        return count >= 1_000_000_000 ? String.format(Locale.ROOT, "%.2f B", count / 1e9)
                : String.format(Locale.ROOT, "%.1f M", count / 1e6);
    }
}
