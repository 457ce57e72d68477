package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.GateStats;

import java.util.Optional;

/**
 * The {@code chorus.gate} extension of a choice of a gated ensemble: its tokens, those its lead decided alone, and
 * their share (the fusion the gate skipped), e.g. {@code "chorus": {"gate": {"tokens": 32, "lead_tokens": 24,
 * "skipped_share": 0.75}}}.
 */
final class GateJson {
    private GateJson() {
    }

    /** Adds {@code chorus.gate} to a choice object when its collaboration is gated. */
    static void attach(ObjectNode choice, Optional<GateStats> gate) {
        gate.ifPresent(stats -> choice.withObject("chorus").putObject("gate")
                .put("tokens", stats.tokens())
                .put("lead_tokens", stats.leadTokens())
                .put("skipped_share", stats.skippedShare()));
    }
}
