package dev.chorus.bench.server;

/** Sends one request, streams its tokens and says how it went; safe to call from many threads at once. */
interface StreamingClient {
    /** Runs {@code request}, telling {@code window} when each streamed token arrives. */
    RequestOutcome run(LoadRequest request, TokenWindow window) throws InterruptedException;
}
