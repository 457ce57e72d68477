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
        List<Availability> found = new ArrayList<>();
        for (MergeKernelsFactory factory : ServiceLoader.load(MergeKernelsFactory.class)) {
            found.add(new Availability(factory, factory.unavailableReason()));
        }
        found.sort(Comparator.comparing(Availability::backend));
        return found;
    }

    /** Opens {@code backend}, or explains why it cannot run here. */
    public static MergeKernels open(MergeBackend backend) {
        for (Availability candidate : available()) {
            if (candidate.backend() == backend) {
                if (candidate.unavailableReason().isPresent()) {
                    throw new IllegalStateException("the " + backend.id() + " merge backend is unavailable: "
                            + candidate.unavailableReason().get());
                }
                return candidate.factory().open();
            }
        }
        throw new IllegalStateException("no " + backend.id() + " merge backend on the class path");
    }

    /** Opens the fastest backend that runs here. */
    public static MergeKernels openFastest() {
        for (Availability candidate : available()) {
            if (candidate.unavailableReason().isPresent()) {
                LOG.log(System.Logger.Level.INFO, "skipping the {0} merge backend: {1}", candidate.backend().id(),
                        candidate.unavailableReason().get());
                continue;
            }
            Optional<String> passedOver = candidate.factory().notChosenAutomatically();
            if (passedOver.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "passing over the {0} merge backend: {1}", candidate.backend().id(),
                        passedOver.get());
                continue;
            }
            try {
                return candidate.factory().open();
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "the " + candidate.backend().id()
                        + " merge backend failed to open, trying the next", e);
            }
        }
        throw new IllegalStateException("no merge backend can run here: " + available());
    }
}
