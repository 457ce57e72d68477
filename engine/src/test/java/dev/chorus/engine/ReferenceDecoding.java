package dev.chorus.engine;

import dev.chorus.kernels.fusion.FusionReference;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.SamplingParams;
import dev.chorus.llama.Batch;
import dev.chorus.llama.Context;
import dev.chorus.llama.ContextParams;
import dev.chorus.llama.Model;
import dev.chorus.llama.ModelParams;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reference a fused generation must match: every member model decoded alone with the bindings (its own model,
 * context and batch), their last logits fused by {@link FusionReference} in double precision, greedy.
 */
final class ReferenceDecoding {
    private ReferenceDecoding() {
    }

    /** The greedy tokens of {@code rule} over {@code members} (member m = model file m), until {@code count} or EOG. */
    static List<Integer> greedy(List<Path> members, FusionRule rule, int[] prompt, int count) {
        List<Model> models = new ArrayList<>();
        List<Context> contexts = new ArrayList<>();
        List<Batch> batches = new ArrayList<>();
        try {
            for (Path member : members) {
                Model model = Model.load(member, ModelParams.cpu());
                models.add(model);
                Context context = model.newContext(ContextParams.of(prompt.length + count + 1, 1));
                contexts.add(context);
                batches.add(context.newBatch(Math.max(prompt.length, 1)));
            }
            List<Integer> generated = new ArrayList<>();
            int[] history = Arrays.copyOf(prompt, prompt.length + count);
            int length = prompt.length;
            int[] pending = prompt;
            for (int step = 0; step < count; step++) {
                float[][] logits = new float[members.size()][];
                for (int m = 0; m < members.size(); m++) {
                    Batch batch = batches.get(m);
                    batch.clear();
                    int first = length - pending.length;
                    for (int i = 0; i < pending.length; i++) {
                        batch.add(pending[i], first + i, 0, i == pending.length - 1);
                    }
                    contexts.get(m).decode(batch);
                    logits[m] = contexts.get(m).logitsArray(pending.length - 1);
                }
                int token = FusionReference.fuse(logits, rule, SamplingParams.GREEDY, 0, step, history, 0).token();
                if (models.getFirst().vocab().isEog(token)) {
                    break;
                }
                generated.add(token);
                history[length++] = token;
                pending = new int[] {token};
            }
            return generated;
        } finally {
            batches.forEach(Batch::close);
            contexts.forEach(Context::close);
            models.forEach(Model::close);
        }
    }
}
