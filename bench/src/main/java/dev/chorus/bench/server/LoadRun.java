package dev.chorus.bench.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One load phase: the clients of a {@link LoadShape}, one thread each, against one {@link StreamingClient}. A
 * client never starts a request after the deadline or past the request budget; requests running at the deadline
 * finish (they are counted, their late tokens are not part of the throughput window).
 *
 * @param outcomes every request that ran, in the order they ended
 * @param window   tokens streamed between the end of the warm-up and the deadline
 * @param cpu      CPU used from the start until the last request ended
 * @param drained  whether every client ended within the drain timeout
 */
record LoadRun(List<RequestOutcome> outcomes, TokenWindow window, long wallNanos, CpuUsage cpu, boolean drained) {
    /** The name prefix of client threads ({@link CpuUsage} groups them by it). */
    static final String CLIENT_THREAD = "load-client-";

    LoadRun {
        outcomes = List.copyOf(outcomes);
    }

    /** Clients on virtual threads, as a server's callers usually are. */
    static final ThreadFactory VIRTUAL_CLIENTS = Thread.ofVirtual().name(CLIENT_THREAD, 0).factory();
    /**
     * Clients on platform threads: their CPU time is then their own ({@link CpuUsage}), and the virtual-thread
     * carriers run only the server's request handlers.
     */
    static final ThreadFactory PLATFORM_CLIENTS = Thread.ofPlatform().name(CLIENT_THREAD, 0).daemon().factory();

    static LoadRun run(StreamingClient client, LoadShape shape, ThreadFactory clientThreads)
            throws InterruptedException {
        Queue<RequestOutcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicLong started = new AtomicLong();
        LongAdder clientCpu = new LongAdder();
        CpuUsage.Snapshot cpuStart = CpuUsage.snapshot();
        long start = System.nanoTime();
        long deadline = start + shape.duration().toNanos();
        TokenWindow window = new TokenWindow(start + shape.warmup().toNanos(), deadline);
        boolean drained;
        ExecutorService clients = Executors.newThreadPerTaskExecutor(clientThreads);
        try {
            for (int index = 0; index < shape.clients(); index++) {
                int first = index;
                clients.submit(() -> {
                    try {
                        loop(client, shape, first, deadline, started, window, outcomes);
                    } finally {
                        // a client thread ends before the closing CPU snapshot: it reports its own time
                        clientCpu.add(CpuUsage.currentThreadNanos());
                    }
                    return null;
                });
            }
            clients.shutdown();
            long drainBy = shape.duration().plus(shape.drainTimeout()).toNanos();
            drained = clients.awaitTermination(drainBy, TimeUnit.NANOSECONDS);
        } finally {
            clients.shutdownNow();
        }
        long wall = System.nanoTime() - start;
        CpuUsage cpu = cpuStart.until(CpuUsage.snapshot()).plus(CpuUsage.group(CLIENT_THREAD), clientCpu.sum());
        return new LoadRun(new ArrayList<>(outcomes), window, wall, cpu, drained);
    }

    private static void loop(StreamingClient client, LoadShape shape, int first, long deadline, AtomicLong started,
                             TokenWindow window, Queue<RequestOutcome> outcomes) throws InterruptedException {
        List<String> models = shape.models();
        for (int turn = first; System.nanoTime() < deadline; turn++) {
            long sequence = started.getAndIncrement();
            if (sequence >= shape.maxRequests()) {
                return;
            }
            String model = models.get(turn % models.size());
            RequestOutcome outcome = runOne(client, LoadRequest.numbered(model, sequence, shape.maxTokens()), window);
            outcomes.add(outcome);
            if (outcome.status() == RequestOutcome.Status.OVERLOADED) {
                Thread.sleep(shape.overloadBackoff());
            }
        }
    }

    /** The request's outcome; an exception is a failed request too, so that no client ends silently. */
    private static RequestOutcome runOne(StreamingClient client, LoadRequest request, TokenWindow window)
            throws InterruptedException {
        long start = System.nanoTime();
        try {
            return client.run(request, window);
        } catch (RuntimeException e) {
            return RequestOutcome.failed(request.model(), System.nanoTime() - start, e.toString());
        }
    }

    long streamedTokens() {
        return outcomes.stream().mapToLong(RequestOutcome::streamedTokens).sum();
    }

    long count(RequestOutcome.Status status) {
        return outcomes.stream().filter(outcome -> outcome.status() == status).count();
    }
}
