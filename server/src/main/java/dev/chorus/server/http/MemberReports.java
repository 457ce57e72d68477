package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.MemberReport;

import java.util.List;

/**
 * The {@code chorus} extension of an orchestrated choice (router, cascade, moa, debate): which member(s) produced
 * the answer and every member call with its role, confidence, time and tokens. Nested calls are named
 * {@code outer/inner}. A log-probability of −∞ (an answer without tokens) is written as {@code null}.
 */
final class MemberReports {
    private MemberReports() {
    }

    /** Adds {@code chorus} to a choice object when the answer was orchestrated. */
    static void attach(ObjectNode choice, List<MemberReport> reports) {
        if (reports.isEmpty()) {
            return;
        }
        ObjectNode chorus = choice.putObject("chorus");
        ArrayNode answeredBy = chorus.putArray("answered_by");
        ArrayNode members = chorus.putArray("members");
        for (MemberReport report : reports) {
            if (report.answered()) {
                answeredBy.add(report.member());
            }
            ObjectNode member = members.addObject()
                    .put("member", report.member())
                    .put("role", report.role())
                    .put("answered", report.answered());
            finite(member, "mean_logprob", report.meanLogprob());
            member.put("min_prob", report.minProbability())
                    .put("duration_ms", report.millis())
                    .put("prompt_tokens", report.usage().promptTokens())
                    .put("completion_tokens", report.usage().completionTokens());
        }
    }

    private static void finite(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }
}
