package dev.chorus.engine;

/** Every slot is busy and the admission queue is full: retry later (HTTP 429 / 503), nothing was queued. */
public final class OverloadedException extends RuntimeException {
    public OverloadedException(String collaboration, int slots, int maxQueued) {
        super("collaboration '" + collaboration + "' is overloaded: all " + slots + " slots are busy and "
                + maxQueued + " requests are already waiting; retry later");
    }

    /** A model with {@code pending} embedding requests already queued or running. */
    OverloadedException(String model, int pending) {
        super("model '" + model + "' is overloaded: " + pending + " embedding requests are already waiting; retry"
                + " later");
    }
}
