package dev.chorus.kernels.merge;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Opens merge kernels: a named backend, or the fastest that runs here (CUDA, then OpenCL on a GPU, then Java;
 * see {@link MergeKernelsFactory#notChosenAutomatically()}).
 */
public final class MergeBackends {

    private static final System.Logger LOG = System.getLogger(MergeBackends.class.getName());

    /** A discovered backend and, when it cannot run here, why. */
    public record Availability(MergeKernelsFactory factory, Optional<String> unavailableReason) {
        public MergeBackend backend() {
            return factory.backend();
        }
    }

    private MergeBackends() {
    }

    /** Every backend on the class path, fastest first. */
    public static List<Availability> available() {
        return factories().stream().map(factory -> new Availability(factory, factory.unavailableReason())).toList();
    }

    /** Opens {@code backend}, or explains why it cannot run here; no other backend is probed. */
    public static MergeKernels open(MergeBackend backend) {
        for (MergeKernelsFactory factory : factories()) {
            if (factory.backend() == backend) {
                Optional<String> reason = factory.unavailableReason();
                if (reason.isPresent()) {
                    throw new IllegalStateException("the " + backend.id() + " merge backend is unavailable: "
                            + reason.get());
                }
                return factory.open();
            }
        }
        throw new IllegalStateException("no " + backend.id() + " merge backend on the class path");
    }

    /** Opens the fastest backend that runs here; one that would be passed over is not probed. */
    public static MergeKernels openFastest() {
        for (MergeKernelsFactory candidate : factories()) {
            Optional<String> passedOver = candidate.notChosenAutomatically();
            if (passedOver.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "passing over the {0} merge backend: {1}", candidate.backend().id(),
                        passedOver.get());
                continue;
            }
            Optional<String> reason = candidate.unavailableReason();
            if (reason.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "skipping the {0} merge backend: {1}", candidate.backend().id(),
                        reason.get());
                continue;
            }
            try {
                return candidate.open();
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "the " + candidate.backend().id()
                        + " merge backend failed to open, trying the next", e);
            }
        }
        throw new IllegalStateException("no merge backend can run here: " + available());
    }

    private static List<MergeKernelsFactory> factories() {
        List<MergeKernelsFactory> found = new ArrayList<>();
        ServiceLoader.load(MergeKernelsFactory.class).forEach(found::add);
        found.sort(Comparator.comparing(MergeKernelsFactory::backend));
        return found;
    }
}
