package dev.chorus.engine.merge;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufTensorInfo;
import java.util.List;

/**
 * One output tensor and where it comes from: the base tensor (for delta methods, else null; slerp lists it
 * as its first contributor), the contributing models' tensors with their recipe entries, and the tensor's
 * position {@code t} along its slice's layers for gradients.
 */
record TensorJob(String name, long[] shape, GgmlType type, double t, Source base, List<Source> contributors) {

    /** A tensor of one input file and the recipe entry that brought it. */
    record Source(GgufFile file, GgufTensorInfo tensor, RecipeModel model) {
    }

    TensorJob {
        contributors = List.copyOf(contributors);
    }

    long elementCount() {
        long count = 1;
        for (long dimension : shape) {
            count *= dimension;
        }
        return count;
    }

    /** Bytes read from the inputs to make this tensor. */
    long inputBytes() {
        long bytes = base == null ? 0 : base.tensor().byteSize();
        for (Source source : contributors) {
            bytes += source.tensor().byteSize();
        }
        return bytes;
    }
}
