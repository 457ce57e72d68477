package dev.chorus.llama;

import dev.chorus.gguf.GgmlType;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import java.nio.file.Path;

/**
 * The decoding checks on the CPU with Q8_0 weights, whose multi-token batches take other kernels than single
 * tokens (repacked, llamafile, and on CPUs with AMX the AMX tiles: a GCC 12.2 build of those with GGML_NATIVE
 * faulted on every batch of two or more tokens until amx-mmq-fix.cmake; these batched checks would crash).
 */
class CpuQ8DecodeTest extends DecodeChecks {

    @Override
    Path modelFile() {
        return FixtureModels.cached(FixtureModel.DEFAULT.withName("chorus-fixture-q8_0").withTensorType(GgmlType.Q8_0));
    }

    @Override
    ModelParams modelParams() {
        return ModelParams.cpu();
    }

    /** Batches and single tokens quantise the activations the same way; the kernels sum in other orders. */
    @Override
    float tolerance() {
        return 1e-3f;
    }
}
