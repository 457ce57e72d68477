package dev.chorus.engine.config;

import dev.chorus.llama.ModelParams;
import dev.chorus.llama.rpc.RpcEndpoint;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineConfigTest {
    private static final Path FILE = Path.of("/configs/chorus.yaml");
    private static final String MODELS = """
            models:
              base:   { path: ../models/base.gguf, gpu_layers: 0, context: 1024, threads: 2, slots: 4 }
              kjv:    { path: kjv.gguf }
              pydocs: { path: /abs/pydocs.gguf, slots: 2 }
            """;

    @Test
    void parsesEveryKindAndServesEveryModelAlone() {
        EngineConfig config = EngineConfig.parse(MODELS + """
                collaborations:
                  experts:     { kind: ensemble, method: product_of_experts, members: [ {model: kjv, weight: 0.25, temperature: 2}, {model: pydocs, weight: 0.75} ] }
                  kjv-vs-base: { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5, alpha: 0.1 }
                  kjv-proxy:   { kind: proxy, base: base, expert: kjv, anti_expert: pydocs, strength: 1.5 }
                scheduler: { max_queued: 3, prefill_chunk: 32, fusion_backend: java }
                """, FILE);

        assertEquals(Path.of("/models/base.gguf"), config.model("base").path());
        assertEquals(Path.of("/configs/kjv.gguf"), config.model("kjv").path());
        assertEquals(Path.of("/abs/pydocs.gguf"), config.model("pydocs").path());
        assertEquals(1024, config.model("base").contextSize());
        assertEquals(2, config.model("pydocs").slots());
        assertEquals(new SchedulerSpec(3, 32, java.util.Optional.of(dev.chorus.kernels.fusion.FusionBackend.JAVA), java.util.Optional.empty()), config.scheduler());
        assertEquals(java.util.List.of("base", "kjv", "pydocs", "experts", "kjv-vs-base", "kjv-proxy"),
                java.util.List.copyOf(config.collaborations().keySet()));

        CollaborationSpec single = config.collaboration("kjv");
        assertEquals(CollaborationKind.SINGLE, single.kind());
        assertEquals(FusionRule.of(FusionMethod.LINEAR, 1f), single.rule());

        FusionRule experts = config.collaboration("experts").rule();
        assertEquals(FusionMethod.LOG_LINEAR, experts.method());
        assertArrayEquals(new float[] {0.25f, 0.75f}, experts.weights());
        assertArrayEquals(new float[] {2f, 1f}, experts.temperatures());

        assertEquals(FusionRule.contrastive(0.5f, 0.1f), config.collaboration("kjv-vs-base").rule());
        assertEquals(java.util.List.of("kjv", "base"), config.collaboration("kjv-vs-base").models());

        FusionRule proxy = config.collaboration("kjv-proxy").rule();
        assertEquals(FusionMethod.PROXY, proxy.method());
        assertArrayEquals(new float[] {1f, 1.5f, -1.5f}, proxy.weights());
    }

    @Test
    void adaptiveWeightsAreParsedWithTheirDefaults() {
        EngineConfig config = EngineConfig.parse(MODELS + """
                collaborations:
                  online:  { kind: ensemble, weights: online, members: [ {model: kjv}, {model: pydocs} ] }
                  gamma:   { kind: ensemble, weights: online, forgetting: 0.9, members: [ {model: kjv}, {model: pydocs} ] }
                  packllm: { kind: ensemble, weights: perplexity, tau: 0.5, members: [ {model: kjv}, {model: pydocs} ] }
                  fixed:   { kind: ensemble, members: [ {model: kjv}, {model: pydocs} ] }
                """, FILE);
        assertEquals(new WeightAdaptation.Online(0.97f), config.collaboration("online").adaptation());
        assertEquals(new WeightAdaptation.Online(0.9f), config.collaboration("gamma").adaptation());
        assertEquals(new WeightAdaptation.Perplexity(0.5), config.collaboration("packllm").adaptation());
        assertEquals(new WeightAdaptation.Fixed(), config.collaboration("fixed").adaptation());
        assertEquals(new WeightAdaptation.Fixed(), config.collaboration("kjv").adaptation());
    }

    @Test
    void aSingleCollaborationMayNameADraft() {
        EngineConfig config = EngineConfig.parse(MODELS + """
                collaborations:
                  fast:  { kind: single, model: base, draft: kjv }
                  short: { kind: single, model: base, draft: pydocs, draft_tokens: 3 }
                """, FILE);
        CollaborationSpec fast = config.collaboration("fast");
        assertEquals(CollaborationKind.SINGLE, fast.kind());
        assertEquals(java.util.List.of("base"), fast.models());
        assertEquals(java.util.List.of("base", "kjv"), fast.slotModels());
        assertEquals(DraftSpec.DEFAULT_TOKENS, fast.draft().orElseThrow().maxTokens());
        assertEquals(3, config.collaboration("short").draft().orElseThrow().maxTokens());
        assertTrue(config.collaboration("base").draft().isEmpty());
    }

    @Test
    void ensemblesContrastiveAndProxyMayNameADraft() {
        EngineConfig config = EngineConfig.parse(MODELS + """
                  kjv-copy: { path: kjv.gguf }
                collaborations:
                  experts: { kind: ensemble, members: [ {model: kjv}, {model: pydocs} ], draft: base, draft_tokens: 5 }
                  sharp:   { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5, draft: kjv-copy }
                  steered: { kind: proxy, base: base, expert: pydocs, anti_expert: base, draft: kjv }
                """, FILE);
        CollaborationSpec experts = config.collaboration("experts");
        assertEquals(java.util.List.of("kjv", "pydocs", "base"), experts.slotModels());
        assertEquals(5, experts.draft().orElseThrow().maxTokens());
        assertEquals(java.util.List.of("kjv", "base", "kjv-copy"), config.collaboration("sharp").slotModels());
        assertEquals(DraftSpec.DEFAULT_TOKENS, config.collaboration("steered").draft().orElseThrow().maxTokens());
    }

    @Test
    void aModelUsedTwiceInOneCollaborationIsOneContext() {
        EngineConfig config = EngineConfig.parse(MODELS + """
                collaborations:
                  p: { kind: proxy, base: base, expert: kjv, anti_expert: base }
                """, FILE);
        assertEquals(java.util.List.of("base", "kjv"), config.collaboration("p").models());
        assertEquals(3, config.collaboration("p").members().size());
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            models:\\n  a: { path: a.gguf, colour: red }                              | 2 | unknown key 'colour' in model 'a'
            models:\\n  a: { path: a.gguf, slots: two }                               | 2 | 'slots' of model 'a' must be an integer
            models:\\n  a: { path: a.gguf, slots: 0 }                                 | 2 | 'slots' of model 'a' must be an integer >= 1, got 0
            models:\\n  a: { path: a.gguf, context: -5 }                              | 2 | 'context' of model 'a' must be an integer >= 1
            models:\\n  a: { gpu_layers: 1 }                                          | 2 | model 'a' is missing 'path'
            models:\\n  a: { path: 7 }                                                | 2 | 'path' of model 'a' must be a string
            models:\\n  a: { path: a.gguf }\\n  a: { path: b.gguf }                   | 3 | duplicate key 'a' in 'models' (first at line 2)
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  a: { kind: ensemble, members: [ {model: a} ] } | 4 | collaboration 'a' has the name of model 'a'
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, members: [ {model: a}, {model: zz} ] } | 4 | 'model' of member 2 of collaboration 'e' names unknown model 'zz'
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, method: mean, members: [ {model: a} ] } | 4 | 'method' of collaboration 'e' must be linear, log_linear
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, members: [ {model: a, weight: 0} ] } | 4 | 'weight' of member 1 of collaboration 'e' must be > 0, got 0
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, weights: best, members: [ {model: a} ] } | 4 | 'weights' of collaboration 'e' must be fixed, perplexity or online, got best
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, weights: online, tau: 1, members: [ {model: a} ] } | 4 | 'tau' of collaboration 'e' does not apply to weights: online
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, forgetting: 0.9, members: [ {model: a} ] } | 4 | 'forgetting' of collaboration 'e' does not apply to weights: fixed
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, weights: online, forgetting: 1.5, members: [ {model: a} ] } | 4 | 'forgetting' of collaboration 'e' must be in (0, 1], got 1.5
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, weights: perplexity, tau: 0, members: [ {model: a} ] } | 4 | 'tau' of collaboration 'e' must be finite and > 0, got 0
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, method: max, weights: online, members: [ {model: a} ] } | 4 | 'weights: online' of collaboration 'e' needs method linear
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  e: { kind: ensemble, members: [] } | 4 | 'members' of collaboration 'e' must be a non-empty list
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  c: { kind: contrastive, expert: a, amateur: a } | 4 | collaboration 'c' is missing 'lambda'
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  c: { kind: contrastive, expert: a, amateur: a, lambda: 1, alpha: 1.5 } | 4 | 'alpha' of collaboration 'c' must be in (0, 1], got 1.5
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  c: { kind: contrastive, expert: a, amateur: b, lambda: 1 } | 4 | 'amateur' of collaboration 'c' names unknown model 'b'
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  p: { kind: proxy, base: a, expert: a, anti_expert: a, strength: '2' } | 4 | 'strength' of collaboration 'p' must be a number
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  p: { kind: merge }                | 4 | 'kind' of collaboration 'p' must be ensemble, contrastive or proxy
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  p: { base: a }                    | 4 | collaboration 'p' is missing 'kind'
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  s: { kind: single, model: a, draft: a } | 4 | 'draft' of collaboration 's' is its own model 'a'
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  s: { kind: single, model: a, draft: b } | 4 | 'draft' of collaboration 's' names unknown model 'b'
            models:\\n  a: { path: a.gguf }\\ncollaborations:\\n  s: { kind: single, model: a } | 4 | collaboration 's' is missing 'draft'
            models:\\n  a: { path: a.gguf }\\n  b: { path: b.gguf }\\ncollaborations:\\n  e: { kind: ensemble, members: [ {model: a}, {model: b} ], draft: b } | 5 | 'draft' of collaboration 'e' is its own member 'b'; a draft must be another (smaller or quantised) model. To draft with a member, declare its file a second time under another name (e.g. 'b-draft: { path: b.gguf }')
            models:\\n  a: { path: a.gguf }\\n  b: { path: b.gguf }\\ncollaborations:\\n  p: { kind: proxy, base: a, expert: b, anti_expert: a, draft: a } | 5 | 'draft' of collaboration 'p' is its own member 'a'
            models:\\n  a: { path: a.gguf }\\n  b: { path: b.gguf }\\ncollaborations:\\n  c: { kind: contrastive, expert: a, amateur: b, lambda: 1, draft_tokens: 4 } | 5 | 'draft_tokens' of collaboration 'c' needs a 'draft' model
            models:\\n  a: { path: a.gguf }\\n  b: { path: b.gguf }\\ncollaborations:\\n  e: { kind: ensemble, members: [ {model: a} ], draft: b, draft_tokens: 40 } | 5 | 'draft_tokens' of collaboration 'e' must be at most 32
            models:\\n  a: { path: a.gguf }\\n  b: { path: b.gguf }\\ncollaborations:\\n  s: { kind: single, model: a, draft: b, draft_tokens: 0 } | 5 | 'draft_tokens' of collaboration 's' must be an integer >= 1
            models:\\n  a: { path: a.gguf }\\n  b: { path: b.gguf }\\ncollaborations:\\n  s: { kind: single, model: a, draft: b, draft_tokens: 33 } | 5 | 'draft_tokens' of collaboration 's' must be at most 32
            models:\\n  a: { path: a.gguf }\\nscheduler: { max_queued: -1 }                    | 3 | 'max_queued' of 'scheduler' must be an integer >= 0
            models: {}                                                                    | 1 | 'models' declares no model
            models: [ a, b ]                                                              | 1 | 'models' must be a mapping from model names to models
            models:\\n  a: { path: a.gguf\\n  b: 2                                       | 3 | invalid YAML
            modles:\\n  a: { path: a.gguf }                                               | 1 | unknown key 'modles' in the config
            models:\\n  a: { path: a.gguf, rpc: [ 'host' ] }                                 | 2 | 'rpc' of model 'a': an rpc-server is named host:port
            models:\\n  a: { path: a.gguf, rpc: [ 'h:99999' ] }                              | 2 | an rpc-server port must be 1 to 65535, got 99999
            models:\\n  a: { path: a.gguf, rpc: [ 'h:1', 'h:1' ] }                           | 2 | 'rpc' of model 'a' names h:1 twice
            models:\\n  a: { path: a.gguf, rpc: [ 'h:1' ], gpu_layers: 0 }                   | 2 | 'gpu_layers: 0' keeps every layer here
            models:\\n  a: { path: a.gguf, tensor_split: [ 1, 1 ] }                          | 2 | 'tensor_split' of model 'a' splits layers over rpc-servers; give them in 'rpc'
            models:\\n  a: { path: a.gguf, rpc: [ 'h:1' ], tensor_split: [ 0 ] }             | 2 | must give some device a share > 0
            models:\\n  a: { path: a.gguf, rpc: [ 'h:1' ] }\\n  b: { path: b.gguf, rpc: [ 'h:1' ] } | 3 | models 'a' and 'b' both run on rpc-server h:1, which serves one client at a time
            """)
    void errorsNameTheLineOfTheOffendingEntry(String text, int line, String message) {
        ConfigException error = assertThrows(ConfigException.class,
                () -> EngineConfig.parse(text.replace("\\n", "\n"), FILE));
        assertEquals(line, error.line(), error.getMessage());
        assertTrue(error.getMessage().startsWith(FILE + ":" + line + ":"), error.getMessage());
        assertTrue(error.getMessage().contains(message), error.getMessage());
    }

    @Test
    void aModelsLayersMayRunOnRpcServers() {
        EngineConfig config = EngineConfig.parse("""
                models:
                  near: { path: a.gguf }
                  far:  { path: b.gguf, rpc: [ 10.0.0.2:50052, 'gpu-box:50053' ], tensor_split: [ 3, 1 ] }
                  half: { path: c.gguf, rpc: [ 10.0.0.3:50052 ], gpu_layers: 12 }
                """, FILE);
        assertEquals(java.util.List.of(), config.model("near").rpc());
        assertEquals(0, config.model("near").gpuLayers());
        assertEquals(java.util.List.of(new RpcEndpoint("10.0.0.2", 50052), new RpcEndpoint("gpu-box", 50053)),
                config.model("far").rpc());
        assertEquals(java.util.List.of(3.0, 1.0), config.model("far").tensorSplit());
        assertEquals(ModelParams.ALL_LAYERS, config.model("far").gpuLayers(), "every layer goes to the servers");
        assertEquals(12, config.model("half").gpuLayers());
        assertEquals(config.model("far").rpc(), config.model("far").loadParams().rpcServers());
    }

    @Test
    void anEmptyConfigIsAnErrorAtLineOne() {
        assertEquals(1, assertThrows(ConfigException.class, () -> EngineConfig.parse("", FILE)).line());
    }

    @Test
    void errorsAlsoNameTheColumn() {
        ConfigException error = assertThrows(ConfigException.class,
                () -> EngineConfig.parse("models:\n  a:    { path: a.gguf, threads: 0 }\n", FILE));
        assertEquals(34, error.column(), error.getMessage());
    }
}
