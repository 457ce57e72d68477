package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.SpeculationStats;

import java.util.Optional;

/**
 * The {@code chorus.speculation} extension of a choice decoded by a collaboration with a {@code draft} (unless the
 * request opted out with {@code "chorus": {"speculative": false}}): the choice's own counts, in a whole answer's
 * choice and in a stream's closing chunk of the choice:
 * <pre>{"verifications": 5, "proposed_tokens": 30, "accepted_tokens": 26,
 *  "acceptance_rate": 0.867, "mean_accepted_length": 5.2}</pre>
 * The rate is accepted ÷ proposed and the mean length accepted ÷ verifications (both 0 before any round).
 */
final class SpeculationJson {
    private SpeculationJson() {
    }

    /** Adds {@code chorus.speculation} to {@code choice} when the choice was speculated. */
    static void attach(ObjectNode choice, Optional<SpeculationStats> speculation) {
        speculation.ifPresent(stats -> choice.withObject("chorus").putObject("speculation")
                .put("verifications", stats.verifications())
                .put("proposed_tokens", stats.proposedTokens())
                .put("accepted_tokens", stats.acceptedTokens())
                .put("acceptance_rate", stats.acceptanceRate())
                .put("mean_accepted_length", stats.meanAcceptedLength()));
    }
}
