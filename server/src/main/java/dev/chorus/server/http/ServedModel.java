package dev.chorus.server.http;

import dev.chorus.kernels.fusion.FusionMethod;

import java.util.List;
import java.util.Objects;

/**
 * A name clients can put in {@code model}: one model or a collaboration of several.
 *
 * @param id      the name
 * @param kind    {@code single}, {@code ensemble}, {@code contrastive} or {@code proxy}
 * @param method  the configured fusion method
 * @param members the member models in fusion order ({@code chorus.weights} follow it)
 * @param weights the configured weight (signed coefficient for a proxy) of each member
 * @param orchestrated whether it combines members' answers (router, cascade, moa, debate) rather than logits:
 *                     then {@code method} and {@code weights} mean nothing
 */
record ServedModel(String id, String kind, FusionMethod method, List<String> members, List<Double> weights,
                   boolean orchestrated) {
    ServedModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(method, "method");
        members = List.copyOf(members);
        weights = List.copyOf(weights);
        if (members.isEmpty() || members.size() != weights.size()) {
            throw new IllegalArgumentException(id + " needs one weight per member: " + members + ", " + weights);
        }
    }
}
