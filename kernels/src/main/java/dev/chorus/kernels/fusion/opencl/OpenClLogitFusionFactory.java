package dev.chorus.kernels.fusion.opencl;

import dev.chorus.kernels.device.OpenClDevice;
import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusionFactory;
import dev.chorus.kernels.fusion.LogitFusions;
import java.util.Optional;

/** The OpenCL backend for {@link java.util.ServiceLoader}: available when an OpenCL device builds {@code fusion.cl}. */
public final class OpenClLogitFusionFactory implements LogitFusionFactory {

    @Override
    public FusionBackend backend() {
        return FusionBackend.OPENCL;
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            OpenClProgram.shared();
            return Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.of("OpenCL: " + e.getMessage());
        }
    }

    /**
     * An OpenCL device that is the CPU (PoCL, say) runs but is passed over automatically: it competes with
     * llama.cpp for the same cores and is no faster than the Java backend there.
     */
    @Override
    public Optional<String> notChosenAutomatically() {
        return OpenClDevice.notChosenAutomatically(LogitFusions.BACKEND_PROPERTY + "=opencl");
    }

    @Override
    public LogitFusion open(FusionShape shape) {
        return new OpenClLogitFusion(OpenClProgram.shared(), shape);
    }
}
