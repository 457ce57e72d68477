package dev.chorus.kernels.merge.opencl;

import dev.chorus.kernels.device.OpenClDevice;
import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeKernels;
import dev.chorus.kernels.merge.MergeKernelsFactory;
import java.util.Optional;

/** The OpenCL backend for {@link java.util.ServiceLoader}: available when an OpenCL device builds {@code merge.cl}. */
public final class OpenClMergeKernelsFactory implements MergeKernelsFactory {

    @Override
    public MergeBackend backend() {
        return MergeBackend.OPENCL;
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            OpenClMergeProgram.shared();
            return Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.of("OpenCL: " + e.getMessage());
        }
    }

    /** An OpenCL device that is the CPU (PoCL) runs merges slower than the Java backend: see {@link OpenClDevice}. */
    @Override
    public Optional<String> notChosenAutomatically() {
        return OpenClDevice.notChosenAutomatically("--backend opencl");
    }

    @Override
    public MergeKernels open() {
        return new OpenClMergeKernels(OpenClMergeProgram.shared());
    }
}
