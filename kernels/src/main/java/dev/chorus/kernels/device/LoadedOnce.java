package dev.chorus.kernels.device;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A device resource (a built OpenCL program, loaded PTX modules) made on first use and kept for the JVM's life.
 * A failure is remembered with its reason, so later callers get the same answer without asking the driver again.
 */
public final class LoadedOnce<T> {
    private final Supplier<T> loader;
    private final Function<Throwable, String> reason;
    private T value;
    private String failure;

    /**
     * @param loader makes the resource
     * @param reason turns the loader's failure into the message every caller receives
     */
    public LoadedOnce(Supplier<T> loader, Function<Throwable, String> reason) {
        this.loader = loader;
        this.reason = reason;
    }

    /** The resource; throws {@link IllegalStateException} with the remembered reason it cannot be made. */
    public synchronized T get() {
        if (value == null && failure == null) {
            try {
                value = loader.get();
            } catch (LinkageError | RuntimeException e) {
                failure = reason.apply(e);
            }
        }
        if (value == null) {
            throw new IllegalStateException(failure);
        }
        return value;
    }

    /** The failure's own message, or its class when it has none. */
    public static String message(Throwable failure) {
        return failure.getMessage() == null ? failure.toString() : failure.getMessage();
    }
}
