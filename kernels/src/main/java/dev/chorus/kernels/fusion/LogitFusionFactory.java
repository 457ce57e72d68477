package dev.chorus.kernels.fusion;

import java.util.Optional;

/**
 * A {@link LogitFusion} backend, discovered with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/dev.chorus.kernels.fusion.LogitFusionFactory}. Implementations need a public
 * no-argument constructor that never fails (probe the hardware lazily in {@link #unavailableReason()}).
 */
public interface LogitFusionFactory {

    FusionBackend backend();

    /** Why this backend cannot run here (no driver, no device, ...), or empty when it can. */
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

    /** Opens an instance with every buffer allocated for {@code shape}. */
    LogitFusion open(FusionShape shape);
}
