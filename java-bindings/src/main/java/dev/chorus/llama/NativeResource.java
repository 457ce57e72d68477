package dev.chorus.llama;

import java.lang.foreign.Arena;

/**
 * A llama.cpp object owned by one arena: the arena's cleanup frees the native object, so closing
 * is closing the arena, once. Methods call {@link #ensureOpen()} before touching native memory;
 * closing while another thread is inside a native call on this object fails (the arena is in use).
 */
abstract sealed class NativeResource implements AutoCloseable permits Model, Context, Batch, ThreadPool, PenaltySampler,
        Grammar {

    protected final Arena arena = Arena.ofShared();
    private volatile boolean closed;

    /** What the resource is, for messages: {@code "model chorus-base.gguf"}. */
    abstract String describe();

    /** Refuses the close by throwing, when other objects still depend on this one. */
    void checkCanClose() {}

    /** Runs after the native object is freed. */
    void afterClose() {}

    final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(describe() + " is closed");
        }
    }

    public final boolean isClosed() {
        return closed;
    }

    /** Frees the native object; later calls do nothing. */
    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        checkCanClose();
        arena.close();
        closed = true;
        afterClose();
    }
}
