package dev.chorus.engine;

import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Every collaboration kind gives, token for token, what its formula gives on separately decoded members. */
class FusedDecodingTest {
    private static final int TOKENS = 24;
    private static Engine engine;
    private static int[] prompt;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = TestEngines.start(folder, "context: 128, slots: 2", """
                collaborations:
                  solo:   { kind: ensemble, members: [ {model: base, weight: 1} ] }
                  pool:   { kind: ensemble, method: log_linear, members: [ {model: kjv, weight: 0.6, temperature: 1.2}, {model: pydocs, weight: 0.4} ] }
                  cd:     { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5, alpha: 0.1 }
                  proxy:  { kind: proxy, base: base, expert: kjv, anti_expert: pydocs, strength: 0.8 }
                scheduler: { fusion_backend: java }
                """);
        prompt = engine.vocab("base").tokenize("And God said unto Moses, the function returns", true, false);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aOneMemberEnsembleOfWeightOneIsTheModelAlone() throws InterruptedException {
        List<Integer> alone = generate("base");
        assertEquals(TOKENS, alone.size());
        assertEquals(alone, generate("solo"));
        assertEquals(alone, ReferenceDecoding.greedy(List.of(model(SharedModels.BASE)),
                FusionRule.of(FusionMethod.LINEAR, 1f), prompt, TOKENS));
    }

    @Test
    void aLogLinearPoolIsTheReferenceOverSeparatelyDecodedMembers() throws InterruptedException {
        List<Integer> fused = generate("pool");
        assertEquals(fused, ReferenceDecoding.greedy(List.of(model(SharedModels.KJV), model(SharedModels.PYDOCS)),
                engine.config().collaboration("pool").rule(), prompt, TOKENS));
        assertNotEquals(generate("kjv"), fused, "the pool differs from its first member");
    }

    @Test
    void contrastiveDecodingFollowsItsFormula() throws InterruptedException {
        assertEquals(ReferenceDecoding.greedy(List.of(model(SharedModels.KJV), model(SharedModels.BASE)),
                FusionRule.contrastive(0.5f, 0.1f), prompt, TOKENS), generate("cd"));
    }

    @Test
    void proxyTuningFollowsItsFormula() throws InterruptedException {
        FusionRule rule = FusionRule.of(FusionMethod.PROXY, 1f, 0.8f, -0.8f);
        assertEquals(ReferenceDecoding.greedy(List.of(model(SharedModels.BASE), model(SharedModels.KJV),
                model(SharedModels.PYDOCS)), rule, prompt, TOKENS), generate("proxy"));
    }

    private static List<Integer> generate(String collaboration) throws InterruptedException {
        Completion completion = engine.submit(collaboration,
                GenerationRequest.of(Prompt.tokens(prompt), TOKENS)).await();
        assertEquals(FinishReason.LENGTH, completion.reason(), completion.toString());
        return completion.tokens();
    }

    private static Path model(String file) {
        return SharedModels.path(file);
    }
}
