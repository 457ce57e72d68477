package dev.chorus.engine.config;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A collaboration served under its own name: the fusion method, the members in fusion order (a model may appear
 * more than once, e.g. a proxy whose anti-expert is its base) and the contrastive parameters.
 * Member order is the contract of {@link FusionMethod}: contrastive = (expert, amateur), proxy = (base, expert,
 * anti-expert) with coefficients (1, +strength, −strength). A {@code draft} speeds the collaboration up by
 * speculative decoding without changing what it generates. An ensemble's {@code adaptation} moves its weights per
 * sequence, with the members' weights as the prior. An ensemble's {@code gate} lets a lead member decide the tokens it is
 * sure of alone (faster, not exact).
 */
public record CollaborationSpec(String name, CollaborationKind kind, FusionMethod method, List<MemberSpec> members,
                                float lambda, float alpha, Optional<DraftSpec> draft, ConfigLocation location,
                                WeightAdaptation adaptation, Optional<GateSpec> gate) {
    public CollaborationSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(adaptation, "adaptation");
        if (!adaptation.fixed() && method != FusionMethod.LINEAR) {
            throw new IllegalArgumentException("collaboration " + name + ": adaptive weights need method linear");
        }
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(location, "location");
        members = List.copyOf(members);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("collaboration " + name + " has no members");
        }
        if (draft.isPresent() && members.stream().anyMatch(member -> member.model().equals(draft.get().model()))) {
            throw new IllegalArgumentException("collaboration " + name + ": the draft " + draft.get().model()
                    + " is one of its members");
        }
        Objects.requireNonNull(gate, "gate");
        if (gate.isPresent()) {
            requireGateable(name, kind, members, draft, gate.get());
        }
    }

    private static void requireGateable(String name, CollaborationKind kind, List<MemberSpec> members,
                                        Optional<DraftSpec> draft, GateSpec given) {
        if (kind != CollaborationKind.ENSEMBLE) {
            throw new IllegalArgumentException("collaboration " + name + ": a gate is an option of ensembles only");
        }
        if (draft.isPresent()) {
            // The parser refuses it at the config's line; this guards specs built in code (the step loop needs it).
            throw new IllegalArgumentException("collaboration " + name + ": a gate and a draft do not combine");
        }
        if (members.stream().noneMatch(member -> member.model().equals(given.lead()))) {
            throw new IllegalArgumentException("collaboration " + name + ": the gate's lead " + given.lead()
                    + " is not one of its members");
        }
        if (members.stream().allMatch(member -> member.model().equals(given.lead()))) {
            throw new IllegalArgumentException("collaboration " + name + ": a gate needs a member on another model"
                    + " than its lead " + given.lead());
        }
    }

    /** The index of the gate's lead among the members: the first member on its model. */
    public int leadMember() {
        String lead = gate.orElseThrow().lead();
        for (int m = 0; m < members.size(); m++) {
            if (members.get(m).model().equals(lead)) {
                return m;
            }
        }
        throw new IllegalStateException("the lead is a member");
    }

    /** A collaboration without a draft or a gate whose weights are the configured ones at every step. */
    public CollaborationSpec(String name, CollaborationKind kind, FusionMethod method, List<MemberSpec> members,
                             float lambda, float alpha, ConfigLocation location) {
        this(name, kind, method, members, lambda, alpha, Optional.empty(), location, new WeightAdaptation.Fixed(),
                Optional.empty());
    }

    /** The fusion rule this collaboration applies at every step, validated by {@link FusionRule}. */
    public FusionRule rule() {
        float[] weights = new float[members.size()];
        float[] temperatures = new float[members.size()];
        for (int m = 0; m < weights.length; m++) {
            weights[m] = members.get(m).weight();
            temperatures[m] = members.get(m).temperature();
        }
        return new FusionRule(method, weights, temperatures, lambda, alpha);
    }

    /** The distinct models of this collaboration's members in first-appearance order: one llama.cpp context each. */
    public List<String> models() {
        return members.stream().map(MemberSpec::model).distinct().toList();
    }

    /** The models a sequence holds a slot in: {@link #models()}, then the draft if there is one. */
    public List<String> slotModels() {
        return Stream.concat(models().stream(), draft.stream().map(DraftSpec::model)).toList();
    }
}
