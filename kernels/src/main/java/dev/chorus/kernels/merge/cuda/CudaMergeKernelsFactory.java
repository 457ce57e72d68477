package dev.chorus.kernels.merge.cuda;

import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeKernels;
import dev.chorus.kernels.merge.MergeKernelsFactory;
import java.util.Optional;

/** The CUDA backend for {@link java.util.ServiceLoader}: available with the PTX, the driver and a compute 8.0+ device. */
public final class CudaMergeKernelsFactory implements MergeKernelsFactory {

    @Override
    public MergeBackend backend() {
        return MergeBackend.CUDA;
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            CudaMergeModule.shared();
            return Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.of("CUDA: " + e.getMessage());
        }
    }

    @Override
    public MergeKernels open() {
        return new CudaMergeKernels(CudaMergeModule.shared());
    }
}
