package dev.chorus.bench.server;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this process over an interval, in total and per group of JVM platform threads. Virtual threads have
 * no CPU clock of their own: their time shows on their carriers, which run the server's request handlers (and the
 * load clients when those are virtual too). llama.cpp's worker threads, the garbage collector and the JIT compiler
 * are not Java threads: they appear only in the process total ({@code gcMillis} adds the collectors' own count).
 *
 * @param processNanos CPU time of the whole process, every thread and core summed
 * @param groupNanos   CPU time per thread group (see {@link #group(String)}) of the threads alive at the end (a
 *                     thread that ended in between is missed)
 * @param gcMillis     time the garbage collectors report spending (pauses and concurrent work, as each counts it)
 */
record CpuUsage(long processNanos, Map<String, Long> groupNanos, long gcMillis) {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    CpuUsage {
        groupNanos = Map.copyOf(groupNanos);
    }

    /** The group a JVM thread belongs to, from the names the JDK and Chorus give them. */
    static String group(String threadName) {
        if (threadName.equals("HTTP-Dispatcher")) {
            return "server_dispatcher";
        }
        if (threadName.startsWith("ForkJoinPool-")) {
            return "virtual_thread_carriers";
        }
        if (threadName.startsWith("HttpClient-")) {
            return "http_client";
        }
        if (threadName.startsWith(LoadRun.CLIENT_THREAD)) {
            return "load_clients";
        }
        if (threadName.startsWith("chorus-")) {
            return "engine_schedulers";
        }
        return "other_jvm";
    }

    /** The calling platform thread's CPU time so far; 0 on a virtual thread, which has no clock of its own. */
    static long currentThreadNanos() {
        return Math.max(0, THREADS.getCurrentThreadCpuTime());
    }

    /** This usage with {@code nanos} more in {@code group}: time of threads that ended before the closing snapshot. */
    CpuUsage plus(String group, long nanos) {
        Map<String, Long> groups = new TreeMap<>(groupNanos);
        groups.merge(group, nanos, Long::sum);
        return new CpuUsage(processNanos, groups, gcMillis);
    }

    static Snapshot snapshot() {
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        Map<Long, Long> perThread = new TreeMap<>();
        Map<Long, String> names = new TreeMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue; // ended since the id list was taken
            }
            long nanos = THREADS.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) {
                perThread.put(info.getThreadId(), nanos);
                names.put(info.getThreadId(), info.getThreadName());
            }
        }
        long gc = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(millis -> millis > 0).sum();
        return new Snapshot(process, perThread, names, gc);
    }

    /** CPU clocks read at one moment. */
    record Snapshot(long processNanos, Map<Long, Long> threadNanos, Map<Long, String> threadNames, long gcMillis) {
        /** What was used between this snapshot and {@code later}. */
        CpuUsage until(Snapshot later) {
            Map<String, Long> groups = new TreeMap<>();
            later.threadNanos.forEach((id, nanos) -> {
                long before = threadNanos.getOrDefault(id, 0L);
                groups.merge(group(later.threadNames.get(id)), nanos - before, Long::sum);
            });
            return new CpuUsage(later.processNanos - processNanos, groups, later.gcMillis - gcMillis);
        }
    }
}
