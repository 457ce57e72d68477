package dev.chorus.llama;

import dev.chorus.natives.LlamaLibraries;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * The decoding checks with every layer on an NVIDIA GPU. Runs when {@code -Dchorus.llama.dir}
 * (or {@code CHORUS_LLAMA_DIR}) names a CUDA build of llama.cpp v0.5.0, such as
 * {@code /opt/llama-v0.5.0-cuda-sm90}, and a GPU is present; skips with the reason otherwise.
 */
@Tag("gpu")
class GpuDecodeTest extends DecodeChecks {

    @Override
    String missingDevice() {
        String folder = System.getProperty(LlamaLibraries.DIR_PROPERTY, System.getenv(LlamaLibraries.DIR_ENV));
        if (folder == null || folder.isBlank()) {
            return "-D" + LlamaLibraries.DIR_PROPERTY + " does not name a CUDA build of llama.cpp v" + LlamaLibraries.VERSION;
        }
        if (!Files.exists(Path.of("/dev/nvidia0"))) {
            return "no NVIDIA GPU here (/dev/nvidia0 is absent)";
        }
        String systemInfo = Llama.init().systemInfo();
        return systemInfo.contains("CUDA") ? null : "the llama.cpp in " + folder + " has no CUDA backend: " + systemInfo;
    }

    @Override
    ModelParams modelParams() {
        return new ModelParams(99, true, false);
    }

    /**
     * cuBLAS multiplies multi-token batches of F16 weights in F16, so the same token's logits
     * differ with the batch it was decoded in by more than on the CPU (F32 accumulation throughout).
     */
    @Override
    float tolerance() {
        return 2e-2f;
    }
}
