package dev.chorus.kernels.merge;

import java.util.Optional;

/**
 * A {@link MergeKernels} backend, discovered with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/dev.chorus.kernels.merge.MergeKernelsFactory}. The constructor never fails;
 * hardware is probed in {@link #unavailableReason()}.
 */
public interface MergeKernelsFactory {

    MergeBackend backend();

    /** Why this backend cannot run here, or empty when it can. */
    Optional<String> unavailableReason();

    /**
     * Why automatic selection passes this backend over although it may run here, or empty when it may pick it.
     * The automatic choice asks this first, so it must be cheap (look at the device, build no kernels) and
     * return empty when it cannot tell: {@link #unavailableReason()} then explains. Naming the backend still
     * selects it.
     */
    default Optional<String> notChosenAutomatically() {
        return Optional.empty();
    }

    MergeKernels open();
}
