package dev.chorus.kernels.fusion;

import java.util.List;

/** The backends a golden test runs: every factory on the class path that can run here. */
final class FusionBackends {

    private FusionBackends() {
    }

    static List<LogitFusionFactory> available() {
        return LogitFusions.available().stream()
                .filter(LogitFusions.Availability::available)
                .map(LogitFusions.Availability::factory)
                .toList();
    }
}
