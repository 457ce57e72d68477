package dev.chorus.kernels.fusion;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Opens the fastest {@link LogitFusion} backend that runs here: CUDA, then OpenCL on a GPU, then Java (an OpenCL
 * device that is the CPU is passed over: see {@link LogitFusionFactory#notChosenAutomatically()}). The system
 * property {@code chorus.kernels.backend} or the environment variable {@code CHORUS_KERNELS_BACKEND}
 * ({@code auto | cuda | opencl | java}) overrides the choice; a named backend that cannot run is an error.
 */
public final class LogitFusions {

    /** The system property naming the backend. */
    public static final String BACKEND_PROPERTY = "chorus.kernels.backend";
    /** The environment variable naming the backend, read when the property is absent. */
    public static final String BACKEND_ENVIRONMENT = "CHORUS_KERNELS_BACKEND";

    private static final System.Logger LOG = System.getLogger(LogitFusions.class.getName());

    /** A discovered backend and, when it cannot run here, why. */
    public record Availability(LogitFusionFactory factory, Optional<String> unavailableReason) {
        public FusionBackend backend() {
            return factory.backend();
        }

        public boolean available() {
            return unavailableReason.isEmpty();
        }
    }

    private LogitFusions() {
    }

    /** Every factory on the class path, fastest backend first, with its unavailability reason. */
    public static List<Availability> available() {
        List<Availability> found = new ArrayList<>();
        for (LogitFusionFactory factory : ServiceLoader.load(LogitFusionFactory.class)) {
            found.add(new Availability(factory, probe(factory)));
        }
        found.sort(Comparator.comparing(Availability::backend));
        return found;
    }

    /** Opens the backend the property or environment names, else the fastest that runs. */
    public static LogitFusion open(FusionShape shape) {
        String requested = System.getProperty(BACKEND_PROPERTY, System.getenv(BACKEND_ENVIRONMENT));
        if (requested == null || requested.isBlank() || requested.equalsIgnoreCase("auto")) {
            return openFastest(shape);
        }
        return open(shape, parse(requested));
    }

    /** Opens the named backend, or explains why it cannot run here. */
    public static LogitFusion open(FusionShape shape, FusionBackend backend) {
        for (Availability candidate : available()) {
            if (candidate.backend() == backend) {
                if (candidate.unavailableReason().isPresent()) {
                    throw new IllegalStateException("the " + backend.id() + " fusion backend is unavailable: "
                            + candidate.unavailableReason().get());
                }
                return candidate.factory().open(shape);
            }
        }
        throw new IllegalStateException("no " + backend.id() + " fusion backend on the class path");
    }

    private static LogitFusion openFastest(FusionShape shape) {
        for (Availability candidate : available()) {
            if (candidate.unavailableReason().isPresent()) {
                LOG.log(System.Logger.Level.INFO, "skipping the {0} fusion backend: {1}", candidate.backend().id(),
                        candidate.unavailableReason().get());
                continue;
            }
            Optional<String> passedOver = candidate.factory().notChosenAutomatically();
            if (passedOver.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "passing over the {0} fusion backend: {1}", candidate.backend().id(),
                        passedOver.get());
                continue;
            }
            try {
                return candidate.factory().open(shape);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "the " + candidate.backend().id()
                        + " fusion backend failed to open, trying the next", e);
            }
        }
        throw new IllegalStateException("no fusion backend can run here: " + available());
    }

    /** The factory's own reason, or the failure of a probe that should have returned one. */
    private static Optional<String> probe(LogitFusionFactory factory) {
        try {
            return factory.unavailableReason();
        } catch (RuntimeException | LinkageError e) {
            return Optional.of("probing the " + factory.backend().id() + " backend failed: " + e);
        }
    }

    private static FusionBackend parse(String name) {
        try {
            return FusionBackend.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(BACKEND_PROPERTY + " must be auto, cuda, opencl or java, not '"
                    + name + "'", e);
        }
    }
}
