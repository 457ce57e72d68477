package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Persistent ggml threadpools attached to contexts, thread counts changed between decodes, the KV size reported. */
class ThreadPoolTest {

    private static final int[] PROMPT = DecodeChecks.randomPrompt(21, 12);

    @Test
    void aContextOnAPoolDecodesAsOneWithout() {
        try (Model model = Model.load(TestModels.fixture(), ModelParams.cpu());
             ThreadPool pool = ThreadPool.create(2, 0);
             Context plain = model.newContext(ContextParams.of(TestModels.CONTEXT, 2));
             Context pooled = model.newContext(ContextParams.of(TestModels.CONTEXT, 2))) {
            pooled.attach(pool);
            float[] expected = DecodeChecks.decodeLast(plain, PROMPT, 0);

            assertArrayEquals(expected, DecodeChecks.decodeLast(pooled, PROMPT, 0), "same threads, same sums");
            pooled.memoryClear();
            pooled.setThreads(1);
            float[] oneThread = DecodeChecks.decodeLast(pooled, PROMPT, 0);
            float worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(expected[i] - oneThread[i]));
            }
            assertTrue(worst < 1e-4f, "1 thread vs 2: " + worst);
            assertEquals(1, pooled.threads());
        }
    }

    @Test
    void threadCountsAreBoundedByThePool() {
        try (Model model = Model.load(TestModels.fixture(), ModelParams.cpu());
             ThreadPool pool = ThreadPool.create(1, 0);
             Context context = model.newContext(ContextParams.of(TestModels.CONTEXT, 2))) {
            context.attach(pool);
            assertEquals(1, context.threads(), "clamped to the pool on attach");
            assertThrows(IllegalArgumentException.class, () -> context.setThreads(2));
            assertThrows(IllegalArgumentException.class, () -> context.setThreads(0));
            assertThrows(IllegalStateException.class, pool::close, "a pool in use cannot close");
        }
    }

    @Test
    void refusesAbsurdPools() {
        assertThrows(IllegalArgumentException.class, () -> ThreadPool.create(0, 0));
        assertThrows(IllegalArgumentException.class, () -> ThreadPool.create(513, 0));
        assertThrows(IllegalArgumentException.class, () -> ThreadPool.create(1, 101));
    }

    @Test
    void reportsTheKvCacheLlamaCppAllocated() {
        try (Model model = Model.load(TestModels.fixture(), ModelParams.cpu());
             Context small = model.newContext(ContextParams.of(256, 1));
             Context large = model.newContext(ContextParams.of(1024, 1))) {
            assertTrue(small.kvCacheBytes() > 0, "reported: " + small.kvCacheBytes());
            // llama.cpp logs MiB with two decimals: each figure is within 0.005 MiB.
            assertEquals(4 * small.kvCacheBytes(), large.kvCacheBytes(), 5 * 0.005 * 1024 * 1024,
                    "the cache grows with the context");
        }
    }
}
