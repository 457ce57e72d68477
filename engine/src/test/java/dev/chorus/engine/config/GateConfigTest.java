package dev.chorus.engine.config;

import dev.chorus.kernels.fusion.FusionMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gate: {lead, threshold}} of an ensemble: parsed, and every misuse a located error. */
class GateConfigTest {
    private static final Path FILE = Path.of("/configs/chorus.yaml");
    private static final String MODELS = """
            models:
              base:   { path: base.gguf }
              kjv:    { path: kjv.gguf }
              pydocs: { path: pydocs.gguf }
            collaborations:
            """;

    @Test
    void parsesTheGateOfAnEnsemble() {
        EngineConfig config = EngineConfig.parse(MODELS + """
                  gated:
                    kind: ensemble
                    members: [ { model: kjv, temperature: 1.5 }, { model: pydocs } ]
                    gate: { lead: pydocs, threshold: 0.9 }
                  plain: { kind: ensemble, members: [ { model: kjv }, { model: pydocs } ] }
                """, FILE);
        GateSpec gate = config.collaboration("gated").gate().orElseThrow();
        assertEquals("pydocs", gate.lead());
        assertEquals(0.9f, gate.threshold());
        assertEquals(9, gate.location().line());
        assertEquals(1, config.collaboration("gated").leadMember());
        assertEquals(Optional.empty(), config.collaboration("plain").gate());
        assertTrue(gate.leadDecides(0.9f) && !gate.leadDecides(0.8999f));
    }

    @Test
    void theLeadAloneIsALinearRuleWithTheLeadsWeightAndEveryTemperature() {
        var fused = new dev.chorus.kernels.fusion.FusionRule(FusionMethod.LOG_LINEAR, new float[] {0.3f, 0.7f},
                new float[] {1.5f, 0.8f}, 0f, 1f);
        var lead = GateSpec.leadAlone(fused, 1);
        assertEquals(FusionMethod.LINEAR, lead.method());
        assertArrayEquals(new float[] {0f, 1f}, lead.weights());
        assertArrayEquals(new float[] {1.5f, 0.8f}, lead.temperatures());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            gate: { lead: base, threshold: 0.9 }          | 9 | 'lead' of 'gate' of collaboration 'gated' names 'base', which is not a member; members: kjv, pydocs
            gate: { lead: kjv, threshold: 0 }             | 9 | 'threshold' of 'gate' of collaboration 'gated' must be in (0, 1], got 0
            gate: { lead: kjv, threshold: 1.5 }           | 9 | 'threshold' of 'gate' of collaboration 'gated' must be in (0, 1], got 1.5
            gate: { lead: kjv, threshold: -0.5 }          | 9 | must be in (0, 1], got -0.5
            gate: { lead: kjv }                           | 9 | 'threshold'
            gate: { lead: kjv, threshold: 0.9, after: 3 } | 9 | unknown key 'after' in 'gate' of collaboration 'gated'; allowed keys: lead, threshold
            gate: kjv                                     | 9 | 'gate' of collaboration 'gated'
            """)
    void refusesABadGate(String gate, int line, String message) {
        assertError(MODELS + """
                  gated:
                    kind: ensemble
                    members: [ { model: kjv }, { model: pydocs } ]
                    %s
                """.formatted(gate), line, message);
    }

    @Test
    void refusesAGateWhoseMembersAllRunOnTheLead() {
        assertError(MODELS + """
                  gated:
                    kind: ensemble
                    members: [ { model: kjv }, { model: kjv, temperature: 2 } ]
                    gate: { lead: kjv, threshold: 0.9 }
                """, 9, "saves the decodes of members on other models than its lead, and every member runs on 'kjv'");
    }

    @Test
    void refusesAGateWithADraft() {
        assertError(MODELS + """
                  gated:
                    kind: ensemble
                    members: [ { model: kjv }, { model: pydocs } ]
                    draft: base
                    gate: { lead: kjv, threshold: 0.9 }
                """, 10, "'gate' of collaboration 'gated' does not combine with its 'draft' (line 9): the gate skips"
                + " the other members' decodes while the lead is sure, and speculation verifies every proposed token"
                + " with all of them; keep one");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5, gate: { lead: kjv, threshold: 0.9 } }      | contrastive
            { kind: proxy, base: base, expert: kjv, anti_expert: pydocs, gate: { lead: kjv, threshold: 0.9 } }        | proxy
            { kind: single, model: kjv, draft: base, gate: { lead: kjv, threshold: 0.9 } }                             | single
            """)
    void refusesAGateOnAnotherKind(String collaboration, String kind) {
        assertError(MODELS + "  other: " + collaboration + "\n", 6,
                "'gate' of collaboration 'other' is an option of kind ensemble only (a lead member deciding alone"
                        + " among others), not " + kind);
    }

    @Test
    void aSpecRefusesAGateWithADraftOrOnAnotherKindOrWithoutItsLead() {
        ConfigLocation at = new ConfigLocation(FILE, 1, 1);
        List<MemberSpec> members = List.of(new MemberSpec("kjv", 1f, 1f, at), new MemberSpec("pydocs", 1f, 1f, at));
        Optional<GateSpec> gate = Optional.of(new GateSpec("kjv", 0.9f, at));
        Optional<DraftSpec> draft = Optional.of(new DraftSpec("base", 4, at));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CollaborationSpec("g", CollaborationKind.ENSEMBLE,
                FusionMethod.LINEAR, members, 0f, 1f, draft, at, new WeightAdaptation.Fixed(), gate)).getMessage()
                .contains("a gate and a draft do not combine"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CollaborationSpec("g", CollaborationKind.PROXY,
                FusionMethod.PROXY, members, 0f, 1f, Optional.empty(), at, new WeightAdaptation.Fixed(), gate))
                .getMessage().contains("a gate is an option of ensembles only"));
        Optional<GateSpec> stranger = Optional.of(new GateSpec("base", 0.9f, at));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CollaborationSpec("g", CollaborationKind.ENSEMBLE,
                FusionMethod.LINEAR, members, 0f, 1f, Optional.empty(), at, new WeightAdaptation.Fixed(), stranger))
                .getMessage().contains("the gate's lead base is not one of its members"));
        assertThrows(IllegalArgumentException.class, () -> new GateSpec("kjv", 0f, at));
        assertThrows(IllegalArgumentException.class, () -> new GateSpec("kjv", 1.01f, at));
    }

    private static void assertError(String yaml, int line, String message) {
        ConfigException error = assertThrows(ConfigException.class, () -> EngineConfig.parse(yaml, FILE));
        assertEquals(line, error.line(), error.getMessage());
        assertTrue(error.getMessage().startsWith(FILE + ":" + line + ":"), error.getMessage());
        assertTrue(error.getMessage().contains(message), error.getMessage());
    }
}
