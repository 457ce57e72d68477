package dev.chorus.engine.probe;

import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufModelChecks;
import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.Model;
import dev.chorus.llama.ModelParams;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child side of {@link ModelProbe}: for each file on the command line, does what serving it does first — the
 * GGUF checks, {@code llama_model_load_from_file}, a context, a tokenized prompt decoded and its next token turned
 * back into text — and prints one {@link ModelProbe#RESULT_PREFIX} line with the outcome. If llama.cpp aborts, this
 * process dies instead of the one that asked.
 */
public final class ProbeChild {
    private static final String PROMPT = "Hello, world";
    private static final int CONTEXT_TOKENS = 64;

    private ProbeChild() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        for (int i = 0; i < args.length; i++) {
            String outcome;
            try {
                outcome = "ok\t" + probe(Path.of(args[i]));
            } catch (Exception | OutOfMemoryError refused) {
                outcome = "refused\t" + (refused.getMessage() == null ? refused.toString() : refused.getMessage());
            }
            out.println(ModelProbe.RESULT_PREFIX + i + "\t" + outcome.replace('\n', ' ').replace('\r', ' '));
        }
    }

    /** Loads, decodes and samples greedily once; returns llama.cpp's description of the model. */
    private static String probe(Path file) throws Exception {
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufModelChecks.check(gguf);
        }
        try (Model model = Model.load(file, ModelParams.cpu());
             Context context = model.newContext(ContextParams.of(CONTEXT_TOKENS, 1))) {
            int[] tokens = model.vocab().tokenize(PROMPT, true, false);
            if (tokens.length == 0) {
                tokens = new int[] {0};
            }
            int count = Math.min(tokens.length, CONTEXT_TOKENS / 2);
            try (Batch batch = context.newBatch(count)) {
                for (int position = 0; position < count; position++) {
                    batch.add(tokens[position], position, 0, position == count - 1);
                }
                context.decode(batch);
            }
            float[] logits = context.logitsArray(count - 1);
            int next = 0;
            for (int token = 1; token < logits.length; token++) {
                if (logits[token] > logits[next]) {
                    next = token;
                }
            }
            model.vocab().tokenToPiece(next);
            return model.description();
        }
    }
}
