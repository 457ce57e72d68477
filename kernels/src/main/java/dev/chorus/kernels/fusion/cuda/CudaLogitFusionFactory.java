package dev.chorus.kernels.fusion.cuda;

import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusionFactory;
import java.util.Optional;

/**
 * The CUDA backend for {@link java.util.ServiceLoader}: available when this build has the PTX, the
 * driver library loads and device 0 is compute capability 8.0 or newer.
 */
public final class CudaLogitFusionFactory implements LogitFusionFactory {

    @Override
    public FusionBackend backend() {
        return FusionBackend.CUDA;
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            CudaModules.shared();
            return Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.of("CUDA: " + e.getMessage());
        }
    }

    @Override
    public LogitFusion open(FusionShape shape) {
        return new CudaLogitFusion(CudaModules.shared(), shape);
    }
}
