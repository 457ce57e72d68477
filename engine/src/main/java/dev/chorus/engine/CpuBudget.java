package dev.chorus.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The process's CPU budget for llama.cpp, split every step among the models that decode in it. ggml's workers spin at
 * the barriers between a graph's operations, so a step on more threads than there are free cores waits a whole
 * scheduler time slice for each descheduled worker: 10-100x slower, not a fraction. The budget therefore shrinks
 * while other processes keep cores busy: every {@value #SAMPLE_MILLIS} ms it reads how many threads the kernel has
 * runnable ({@code /proc/loadavg}), counts those beyond the step loop's own as taken cores, and keeps the fewest taken
 * over the last {@value #WINDOW} samples, so a busy loop on one core costs one thread while a burst of HTTP work does
 * not. Not thread-safe: one owner (the step loop, or an evaluator) samples it.
 */
public final class CpuBudget {
    static final int SAMPLE_MILLIS = 50;
    static final int WINDOW = 4;
    private static final Path LOADAVG = Path.of("/proc/loadavg");
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);

    private final int threads;
    private final boolean adaptive;
    private final Supplier<String> loadavg;
    private final LongSupplier clock;
    private final int[] taken = new int[WINDOW];
    private int next;
    private long sampledAt;
    private int available;

    /**
     * @param threads  the budget: the most threads all models decoding at once may use
     * @param adaptive whether to give up the cores other processes keep busy
     */
    public CpuBudget(int threads, boolean adaptive) {
        this(threads, adaptive && Files.isReadable(LOADAVG), CpuBudget::readLoadavg, System::nanoTime);
    }

    /** @param loadavg the text of {@code /proc/loadavg}, read once per sample; {@code clock} in nanoseconds */
    CpuBudget(int threads, boolean adaptive, Supplier<String> loadavg, LongSupplier clock) {
        if (threads < 1) {
            throw new IllegalArgumentException("the CPU budget must be at least 1 thread, got " + threads);
        }
        this.threads = threads;
        this.adaptive = adaptive;
        this.loadavg = loadavg;
        this.clock = clock;
        this.available = threads;
        // The first share samples; nanoTime differences are only meaningful between real readings.
        this.sampledAt = clock.getAsLong() - SAMPLE_NANOS;
    }

    /**
     * The budget a config asks for: {@code threads} fixed, or (when absent) the CPUs less those others keep busy.
     */
    public static CpuBudget configured(Optional<Integer> threads) {
        return new CpuBudget(threads.orElseGet(CpuBudget::defaultThreads), threads.isEmpty());
    }

    /** llama.cpp's default ({@code cpu_get_num_math}): the physical cores, here the CPUs the JVM may use. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Threads for each of {@code models} decoding in the same step (at least 1 each). */
    public int share(int models) {
        if (adaptive) {
            resample();
        }
        return Math.max(1, available / Math.max(1, models));
    }

    /** The budget after the cores taken by others, as last sampled. */
    int available() {
        return available;
    }

    private void resample() {
        long now = clock.getAsLong();
        if (now - sampledAt < SAMPLE_NANOS) {
            return;
        }
        sampledAt = now;
        try {
            taken[next] = takenCores(loadavg.get());
        } catch (RuntimeException e) {
            taken[next] = 0;
        }
        next = (next + 1) % WINDOW;
        int fewest = Integer.MAX_VALUE;
        for (int count : taken) {
            fewest = Math.min(fewest, count);
        }
        available = Math.max(1, threads - fewest);
    }

    private static String readLoadavg() {
        try {
            return Files.readString(LOADAVG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Cores kept busy by others, from {@code /proc/loadavg} ("0.50 0.40 0.30 3/512 12345"): runnable threads less
     * the step loop itself, which is the one reading (its decode workers sleep between steps).
     */
    static int takenCores(String loadavg) {
        String[] fields = loadavg.trim().split("\\s+");
        String running = fields[3].substring(0, fields[3].indexOf('/'));
        return Math.max(0, Integer.parseInt(running) - 1);
    }
}
