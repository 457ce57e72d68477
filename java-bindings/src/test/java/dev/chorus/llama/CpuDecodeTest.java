package dev.chorus.llama;

/** The decoding checks with every layer on the CPU. */
class CpuDecodeTest extends DecodeChecks {

    @Override
    ModelParams modelParams() {
        return ModelParams.cpu();
    }

    @Override
    float tolerance() {
        return 1e-4f;
    }
}
