package dev.chorus.engine.orchestration;

import dev.chorus.engine.FinishReason;
import dev.chorus.engine.FusionOverrides;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.InvalidRequest;

import java.util.Objects;
import java.util.Optional;

/**
 * A served orchestration: each request runs its {@link Strategy} on its own virtual thread (it mostly waits for
 * members) and answers through a {@link Generation} like any collaboration's, with the member calls attached as
 * {@link Generation#memberReports()}.
 */
public final class Orchestration {
    private static final System.Logger LOG = System.getLogger(Orchestration.class.getName());
    private final String name;
    private final String kind;
    private final Strategy strategy;
    private final int contextTokens;
    private final Optional<String> vocabularyOf;

    /**
     * @param kind         what it is, for messages: {@code router}, {@code remote with fallback}, ...
     * @param vocabularyOf the first local model or collaboration among its members, however deep
     */
    Orchestration(String name, String kind, Strategy strategy, int contextTokens, Optional<String> vocabularyOf) {
        this.name = Objects.requireNonNull(name, "name");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.contextTokens = contextTokens;
        this.vocabularyOf = Objects.requireNonNull(vocabularyOf, "vocabularyOf");
    }

    public String name() {
        return name;
    }

    /** The smallest context of its members: prompt plus completion tokens one request may use. */
    public int contextTokens() {
        return contextTokens;
    }

    /**
     * The served model or collaboration whose vocabulary names its local members' tokens (empty when every member
     * is remote). Members with another vocabulary are not checked against it.
     */
    public Optional<String> vocabularyOf() {
        return vocabularyOf;
    }

    /**
     * Starts answering on a virtual thread. A member that fails (or is overloaded) ends the answer with
     * {@link FinishReason#ERROR} naming it, unless the kind recovers (a cascade escalates, a fallback answers).
     *
     * @throws IllegalArgumentException for fusion overrides, which only logit-level collaborations take, or a
     *                                  prompt the kind cannot rewrite
     */
    public Generation submit(GenerationRequest request) {
        if (!request.fusion().equals(FusionOverrides.NONE)) {
            throw new InvalidRequest("chorus", "'" + name + "' is a " + kind
                    + "; fusion overrides (chorus.method, chorus.weights, ...) apply to logit-level collaborations.");
        }
        if (request.trace() > 0) {
            throw new InvalidRequest("chorus.trace", "'" + name + "' is a " + kind
                    + "; a step trace (chorus.trace) shows the distributions of models and logit-level collaborations.");
        }
        strategy.check(request);
        Session session = new Session();
        Thread.ofVirtual().name("chorus-" + name).start(() -> run(session, request));
        return session.generation();
    }

    private void run(Session session, GenerationRequest request) {
        try {
            session.finish(strategy.answer(session, request));
        } catch (MemberFailure e) {
            end(session, session.cancelled() ? FinishReason.CANCELLED : e.answer().end().reason(), e.getMessage());
        } catch (InterruptedException e) {
            end(session, FinishReason.CANCELLED, "interrupted");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "orchestration ''" + name + "'' failed", e);
            end(session, FinishReason.ERROR, e.getMessage());
        }
    }

    /** Ends the answer without one, cancelling member calls still running (a proposer beside a failed one). */
    private void end(Session session, FinishReason reason, String error) {
        session.cancel();
        session.fail(reason, "'" + name + "': " + error);
    }
}
