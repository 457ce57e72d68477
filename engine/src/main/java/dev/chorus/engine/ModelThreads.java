package dev.chorus.engine;

import dev.chorus.engine.config.ModelSpec;
import dev.chorus.llama.Context;
import dev.chorus.llama.ThreadPool;

/**
 * The CPU threads of one model's context: a persistent ggml threadpool attached to it, and the rule for how many of
 * its workers a decode uses — the model's configured {@code threads}, else its share of the process's budget
 * ({@link CpuBudget}). The pool's workers sleep between decodes (poll 0), so an idle or waiting model gives its cores
 * back at once. Close it after the context.
 */
public final class ModelThreads implements AutoCloseable {
    /** Workers sleep between graphs instead of spinning: a core taken by anything else is given back at once. */
    static final int POLL = 0;

    private final int fixed;
    private final ThreadPool pool;

    /** @param budget the process's CPU budget: the pool's size unless the model fixes its threads */
    public ModelThreads(ModelSpec spec, int budget) {
        this.fixed = spec.threads() == ModelSpec.AUTO_THREADS ? 0 : spec.threads();
        this.pool = ThreadPool.create(fixed > 0 ? fixed : budget, POLL);
    }

    /** The pool's size: the threads a context made for this model should be created with. */
    public int poolThreads() {
        return pool.threads();
    }

    public void attachTo(Context context) {
        context.attach(pool);
    }

    /** Threads for a decode when the budget gives this model {@code share} threads. */
    public int forShare(int share) {
        return fixed > 0 ? fixed : Math.min(share, pool.threads());
    }

    @Override
    public void close() {
        pool.close();
    }
}
