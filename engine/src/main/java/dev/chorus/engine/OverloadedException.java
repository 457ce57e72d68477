package dev.chorus.engine;

/** Every slot is busy and the admission queue is full: retry later (HTTP 429 / 503), nothing was queued. */
public final class OverloadedException extends RuntimeException {
    public OverloadedException(String collaboration, int slots, int maxQueued) {
        super("collaboration '" + collaboration + "' is overloaded: all " + slots + " slots are busy and "
                + maxQueued + " requests are already waiting; retry later");
    }
}
