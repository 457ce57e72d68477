package dev.chorus.engine.merge;

import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.FlashAttention;
import dev.chorus.llama.Model;
import dev.chorus.llama.ModelParams;
import java.nio.file.Path;

/** Loads a GGUF file in llama.cpp (CPU) and returns the last-position logits of a fixed prompt. */
final class LlamaLogits {

    private static final int[] PROMPT = {1, 450, 4996, 17354, 1701};

    private LlamaLogits() {
    }

    static float[] of(Path file) {
        try (Model model = Model.load(file, ModelParams.cpu());
             Context context = model.newContext(new ContextParams(64, 8, 8, 1, 1, FlashAttention.DISABLED))) {
            Batch batch = context.newBatch(PROMPT.length);
            for (int position = 0; position < PROMPT.length; position++) {
                batch.add(PROMPT[position], position, 0, position == PROMPT.length - 1);
            }
            context.decode(batch);
            return context.logitsArray(PROMPT.length - 1);
        }
    }
}
