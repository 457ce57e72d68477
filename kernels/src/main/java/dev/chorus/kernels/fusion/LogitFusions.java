package dev.chorus.kernels.fusion;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens the fastest {@link LogitFusion} backend that runs here: CUDA, then OpenCL on a GPU, then Java (an OpenCL
 * device that is the CPU is passed over: see {@link LogitFusionFactory#notChosenAutomatically()}). The system
 * property {@code chorus.kernels.backend} or the environment variable {@code CHORUS_KERNELS_BACKEND}
 * ({@code auto | cuda | opencl | java}) overrides the choice; a named backend that cannot run is an error.
 * The automatic choice is made once per JVM, and a named backend probes only itself: probing builds device
 * programs, which costs start-up time and memory.
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

    /**
     * Whether automatic selection may use each backend, decided once per JVM (the hardware does not change while
     * it runs) and only for the backends it reaches, so a faster one that opens spares probing the rest.
     */
    private static final Map<FusionBackend, Boolean> CHOOSABLE = new ConcurrentHashMap<>();

    private LogitFusions() {
    }

    /** Every factory on the class path, fastest backend first, with its unavailability reason. */
    public static List<Availability> available() {
        return factories().stream().map(factory -> new Availability(factory, probe(factory))).toList();
    }

    /** Opens the backend the property or environment names, else the fastest that runs. */
    public static LogitFusion open(FusionShape shape) {
        String requested = System.getProperty(BACKEND_PROPERTY, System.getenv(BACKEND_ENVIRONMENT));
        if (requested == null || requested.isBlank() || requested.equalsIgnoreCase("auto")) {
            return openFastest(shape);
        }
        return open(shape, parse(requested));
    }

    /** Opens the named backend, or explains why it cannot run here; no other backend is probed. */
    public static LogitFusion open(FusionShape shape, FusionBackend backend) {
        for (LogitFusionFactory factory : factories()) {
            if (factory.backend() == backend) {
                Optional<String> reason = probe(factory);
                if (reason.isPresent()) {
                    throw new IllegalStateException("the " + backend.id() + " fusion backend is unavailable: "
                            + reason.get());
                }
                return factory.open(shape);
            }
        }
        throw new IllegalStateException("no " + backend.id() + " fusion backend on the class path");
    }

    private static LogitFusion openFastest(FusionShape shape) {
        for (LogitFusionFactory candidate : factories()) {
            if (!CHOOSABLE.computeIfAbsent(candidate.backend(), backend -> choosable(candidate))) {
                continue;
            }
            try {
                return candidate.open(shape);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "the " + candidate.backend().id()
                        + " fusion backend failed to open, trying the next", e);
            }
        }
        throw new IllegalStateException("no fusion backend can run here: " + available());
    }

    /**
     * Whether automatic selection may use the backend, telling why not; a backend that would be passed over is not
     * probed (no program is built for an OpenCL CPU device).
     */
    private static boolean choosable(LogitFusionFactory factory) {
        Optional<String> passedOver = factory.notChosenAutomatically();
        if (passedOver.isPresent()) {
            LOG.log(System.Logger.Level.INFO, "passing over the {0} fusion backend: {1}", factory.backend().id(),
                    passedOver.get());
            return false;
        }
        Optional<String> reason = probe(factory);
        reason.ifPresent(why -> LOG.log(System.Logger.Level.INFO, "skipping the {0} fusion backend: {1}",
                factory.backend().id(), why));
        return reason.isEmpty();
    }

    private static List<LogitFusionFactory> factories() {
        List<LogitFusionFactory> found = new ArrayList<>();
        ServiceLoader.load(LogitFusionFactory.class).forEach(found::add);
        found.sort(Comparator.comparing(LogitFusionFactory::backend));
        return found;
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
