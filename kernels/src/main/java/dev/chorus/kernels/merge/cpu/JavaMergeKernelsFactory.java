package dev.chorus.kernels.merge.cpu;

import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeKernels;
import dev.chorus.kernels.merge.MergeKernelsFactory;
import java.util.Optional;

/** The Java backend for {@link java.util.ServiceLoader}: always available. */
public final class JavaMergeKernelsFactory implements MergeKernelsFactory {

    @Override
    public MergeBackend backend() {
        return MergeBackend.JAVA;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public MergeKernels open() {
        return new VectorMergeKernels();
    }
}
