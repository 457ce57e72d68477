package dev.chorus.engine.orchestration;

import dev.chorus.engine.FinishReason;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.config.ConfidenceMeasure;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One member's finished answer as an orchestration read it: its token events (replayed when it is chosen after
 * the fact), its end, its own member reports when it was itself orchestrated, and its wall time.
 */
record MemberAnswer(String member, String role, List<GenerationEvent.Token> tokens, GenerationEvent.Finished end,
                    List<MemberReport> nested, long nanos) {
    MemberAnswer {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(role, "role");
        tokens = List.copyOf(tokens);
        Objects.requireNonNull(end, "end");
        nested = List.copyOf(nested);
    }

    String text() {
        StringBuilder text = new StringBuilder();
        tokens.forEach(token -> text.append(token.text()));
        return text.append(end.text()).toString();
    }

    boolean succeeded() {
        return end.reason() == FinishReason.STOP || end.reason() == FinishReason.LENGTH;
    }

    /** This answer, or a {@link MemberFailure} naming the member when it failed or was cancelled. */
    MemberAnswer requireSucceeded() {
        if (!succeeded()) {
            throw new MemberFailure(this);
        }
        return this;
    }

    /** The mean log-probability of the tokens; −∞ without tokens or when one has no log-probability. */
    double meanLogprob() {
        double sum = 0;
        for (GenerationEvent.Token token : tokens) {
            sum += token.logprob();
        }
        return tokens.isEmpty() || Double.isNaN(sum) ? Double.NEGATIVE_INFINITY : sum / tokens.size();
    }

    /** The smallest token probability; 0 without tokens or when one has no log-probability. */
    double minProbability() {
        double min = tokens.isEmpty() ? 0 : 1;
        for (GenerationEvent.Token token : tokens) {
            min = Double.isNaN(token.logprob()) ? 0 : Math.min(min, Math.exp(token.logprob()));
        }
        return min;
    }

    double confidence(ConfidenceMeasure measure) {
        return switch (measure) {
            case MEAN_LOGPROB -> meanLogprob();
            case MIN_PROB -> minProbability();
        };
    }

    /** This call's report line followed by those of the calls inside it, named {@code member/inner}. */
    List<MemberReport> reports(boolean answered) {
        List<MemberReport> reports = new ArrayList<>();
        reports.add(new MemberReport(member, role, answered, meanLogprob(), minProbability(), nanos / 1_000_000,
                end.usage()));
        for (MemberReport inner : nested) {
            reports.add(new MemberReport(member + "/" + inner.member(), inner.role(), answered && inner.answered(),
                    inner.meanLogprob(), inner.minProbability(), inner.millis(), inner.usage()));
        }
        return reports;
    }
}
