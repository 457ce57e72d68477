package dev.chorus.server.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress display for long work (bytes out of a total, with throughput), redrawn at most
 * a few times a second on a terminal and printed sparingly elsewhere so logs stay readable.
 */
final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private long lastDrawNanos;
    private int lastPercentPrinted = -1;

    Progress(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
    }

    void update(long done) {
        long now = System.nanoTime();
        int percent = (int) (100 * done / total);
        if (terminal && now - lastDrawNanos >= REDRAW_NANOS) {
            out.print("\r" + line(done, now));
            lastDrawNanos = now;
        } else if (!terminal && percent / 25 > lastPercentPrinted / 25) {
            out.println(line(done, now));
            lastPercentPrinted = percent;
        }
    }

    void finish() {
        out.println((terminal ? "\r" : "") + line(total, System.nanoTime()));
    }

    private String line(long done, long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        return String.format(Locale.ROOT, "%s: %3d%% %.2f / %.2f GB, %.2f GB/s", label, 100 * done / total,
                done / 1e9, total / 1e9, done / 1e9 / seconds);
    }
}
