package dev.chorus.engine;

import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.MemberSpec;
import dev.chorus.engine.config.OrchestrationSpec;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A name clients can ask for: one model or a collaboration of several, as the config declares it.
 *
 * @param id           the name
 * @param kind         the config's kind: {@code single}, {@code ensemble}, {@code contrastive}, {@code proxy},
 *                     {@code router}, {@code cascade}, {@code moa} or {@code debate}
 * @param method       the fusion method's API name ({@code linear}, {@code log_linear}, ...); empty for an
 *                     orchestration, which combines answers, not logits
 * @param members      the member models in fusion order ({@code chorus.weights} follow it)
 * @param weights      each member's configured weight (a proxy's signed coefficient); empty for an orchestration
 */
public record ServedModel(String id, String kind, Optional<String> method, List<String> members, List<Double> weights) {
    public ServedModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(method, "method");
        members = List.copyOf(members);
        weights = List.copyOf(weights);
    }

    /** Whether it combines its members' answers (router, cascade, moa, debate) rather than their logits. */
    public boolean orchestrated() {
        return method.isEmpty();
    }

    /** Every name an engine serves, in {@link Engine#collaborations()} order. */
    public static List<ServedModel> of(Engine engine) {
        EngineConfig config = engine.config();
        Map<String, OrchestrationSpec> orchestrations = config.orchestrations();
        return engine.collaborations().stream()
                .map(name -> orchestrations.containsKey(name) ? of(orchestrations.get(name)) : of(config.collaboration(name)))
                .toList();
    }

    private static ServedModel of(OrchestrationSpec spec) {
        return new ServedModel(spec.name(), spec.kind().configName(), Optional.empty(), spec.members(), List.of());
    }

    private static ServedModel of(CollaborationSpec spec) {
        List<MemberSpec> members = spec.members();
        return new ServedModel(spec.name(), spec.kind().configName(),
                Optional.of(spec.method().name().toLowerCase(Locale.ROOT)), members.stream().map(MemberSpec::model).toList(),
                members.stream().map(member -> (double) member.weight()).toList());
    }
}
