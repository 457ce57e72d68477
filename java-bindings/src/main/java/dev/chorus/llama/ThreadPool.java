package dev.chorus.llama;

import dev.chorus.llama.internal.GgmlThreadpools;
import java.lang.foreign.MemorySegment;

/**
 * A persistent ggml CPU threadpool ({@code struct ggml_threadpool}), attached to a {@link Context} so that its
 * decodes reuse the same workers instead of creating and joining threads on every {@code llama_decode}. Between
 * decodes the workers poll for {@code poll} rounds, then sleep on a condition variable: poll 0 sleeps at once, which
 * gives the core back to whatever else wants it (llama.cpp's default, 50, spins first). A pool runs one graph at a
 * time, so contexts that decode in parallel each need their own. Close it after the contexts it is attached to.
 */
public final class ThreadPool extends NativeResource {

    /** ggml's polling range. */
    public static final int MAX_POLL = 100;

    private final MemorySegment handle;
    private final int threads;
    private final int poll;
    private int attachedContexts;

    private ThreadPool(MemorySegment created, int threads, int poll) {
        this.handle = created.reinterpret(arena, GgmlThreadpools::ggml_threadpool_free);
        this.threads = threads;
        this.poll = poll;
    }

    /**
     * @param threads workers, 1 to 512 ({@code GGML_MAX_N_THREADS})
     * @param poll    0 (sleep between graphs) to {@value #MAX_POLL} (spin)
     */
    public static ThreadPool create(int threads, int poll) {
        if (threads < 1 || threads > 512) {
            throw new IllegalArgumentException("a threadpool has 1 to 512 threads, got " + threads);
        }
        if (poll < 0 || poll > MAX_POLL) {
            throw new IllegalArgumentException("poll must be 0 to " + MAX_POLL + ", got " + poll);
        }
        Llama.init();
        return new ThreadPool(GgmlThreadpools.ggml_threadpool_new(threads, poll), threads, poll);
    }

    /** The most workers one decode may use. */
    public int threads() {
        return threads;
    }

    public int poll() {
        return poll;
    }

    MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    synchronized void attached() {
        ensureOpen();
        attachedContexts++;
    }

    synchronized void detached() {
        attachedContexts--;
    }

    @Override
    synchronized void checkCanClose() {
        if (attachedContexts > 0) {
            throw new IllegalStateException("close the " + attachedContexts + " context(s) using " + describe() + " first");
        }
    }

    @Override
    String describe() {
        return "threadpool of " + threads + " threads (poll " + poll + ")";
    }
}
