package dev.chorus.engine.orchestration;

import dev.chorus.engine.config.ConfidenceMeasure;
import dev.chorus.engine.config.ConfigException;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.OrchestrationSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Orchestration and remote entries parse to their specs, and every mistake is reported at its line. */
class OrchestrationConfigTest {
    private static final Path FILE = Path.of("chorus.yaml");
    private static final String MODELS = "models:\n  a: { path: a.gguf }\n  b: { path: b.gguf }\n";

    @Test
    void everyKindParses() {
        EngineConfig config = EngineConfig.parse(MODELS + """
                remotes:
                  far: { base_url: "http://127.0.0.1:9/v1/", model: m, api_key_env: FAR_KEY, retries: 4, fallback: a }
                collaborations:
                  pool: { kind: ensemble, members: [ {model: a}, {model: b} ] }
                  pick: { kind: router, members: [a, far], default: a, rules: [ {member: far, keywords: [x], max_max_tokens: 9} ] }
                  up:   { kind: cascade, members: [pick, pool], confidence: min_prob, threshold: -.inf }
                  mix:  { kind: moa, proposers: [a, up], aggregator: pool, layers: 2 }
                  talk: { kind: debate, members: [a, b], judge: pool }
                """, FILE);
        assertEquals(List.of("a", "b", "pool"), List.copyOf(config.collaborations().keySet()));
        assertEquals(List.of("pick", "up", "mix", "talk"), List.copyOf(config.orchestrations().keySet()));
        var far = config.remotes().get("far");
        assertEquals("http://127.0.0.1:9/v1", far.baseUrl().toString());
        assertEquals(Optional.of("FAR_KEY"), far.apiKeyEnv());
        assertEquals(4, far.retries());
        var up = (OrchestrationSpec.Cascade) config.orchestrations().get("up");
        assertEquals(ConfidenceMeasure.MIN_PROB, up.confidence());
        assertEquals(Double.NEGATIVE_INFINITY, up.threshold());
        var pick = (OrchestrationSpec.Router) config.orchestrations().get("pick");
        assertEquals(9, pick.rules().getFirst().maxMaxTokens());
        assertEquals(List.of("a", "up", "pool"), config.orchestrations().get("mix").members());
        assertEquals(Optional.of("pool"), ((OrchestrationSpec.Debate) config.orchestrations().get("talk")).judge());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            collaborations:\\n  r: { kind: router, members: [a, later], default: a }\\n  later: { kind: cascade, members: [a, b], threshold: 0 } | 5 | names 'later'; it must be a model, remote or collaboration declared above it
            collaborations:\\n  r: { kind: router, members: [a, b], default: c }                          | 5 | 'default' of collaboration 'r' names 'c', which is not one of the members [a, b]
            collaborations:\\n  r: { kind: router, members: [a], default: a, rules: [ {member: a, pattern: '(' } ] } | 5 | 'pattern' of rule 1 of collaboration 'r' is not a regular expression
            collaborations:\\n  c: { kind: cascade, members: [a, b] }                                     | 5 | collaboration 'c' is missing 'threshold'
            collaborations:\\n  c: { kind: cascade, members: [a, b], threshold: .nan }                    | 5 | 'threshold' of collaboration 'c' must be a finite number, got .nan
            collaborations:\\n  c: { kind: cascade, members: [a, a], threshold: 0 }                       | 5 | repeats a member
            collaborations:\\n  m: { kind: moa, proposers: [a], aggregator: b, layers: 0 }                | 5 | 'layers' of collaboration 'm' must be an integer >= 1
            collaborations:\\n  d: { kind: debate, members: [a] }                                         | 5 | collaboration 'd' needs at least two members
            collaborations:\\n  d: { kind: debate, members: [a, b], decide: vote }                        | 5 | 'decide' of collaboration 'd' must be judge or majority
            remotes:\\n  far: { base_url: 'ftp://x', model: m }\\ncollaborations:\\n  r: { kind: router, members: [far], default: far, judge: far } | 5 | 'base_url' of remote 'far' must start with http:// or https://
            remotes:\\n  far: { base_url: 'http://x', model: m }\\ncollaborations:\\n  r: { kind: router, members: [a, b], default: a, judge: far } | 7 | 'judge' of collaboration 'r' names 'far'; it must be a model or logit-level collaboration
            remotes:\\n  far: { base_url: 'http://x', model: m, fallback: nowhere }                  | 5 | 'fallback' of remote 'far' names 'nowhere'
            remotes:\\n  a: { base_url: 'http://x', model: m }                                        | 5 | 'a' is already the name of a model
            """)
    void mistakesAreReportedAtTheirLine(String rest, int line, String message) {
        ConfigException error = assertThrows(ConfigException.class,
                () -> EngineConfig.parse(MODELS + rest.replace("\\n", "\n"), FILE));
        assertTrue(error.getMessage().contains(message), error.getMessage());
        assertEquals(line, error.line(), error.getMessage());
    }
}
