package dev.chorus.bench.server;

import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.kernels.fusion.LogitFusions;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The slot check on a real engine: a slot held by a running request counts as leaked, a free one does not. */
@Timeout(120)
class SlotCheckTest {
    @Test
    void aHeldSlotIsFoundAndAFreedOneIsNot() throws InterruptedException {
        if (System.getProperty(LogitFusions.BACKEND_PROPERTY) == null) {
            System.setProperty(LogitFusions.BACKEND_PROPERTY, "java"); // the same on every machine
        }
        Path model = FixtureModels.cached(FixtureModel.DEFAULT.withName("slot-check").withSeed(3));
        String yaml = "models:\n  solo: { path: \"" + model + "\", context: 256, threads: 1, slots: 2 }\n"
                + "scheduler: { max_queued: 2 }\n";
        try (Engine engine = Engine.start(EngineConfig.parse(yaml, model.resolveSibling("slot-check.yaml")))) {
            assertEquals(new SlotCheck("solo", 2, 0, ""), SlotCheck.of(engine, "solo"));

            Generation holder = engine.submit("solo", GenerationRequest.of(Prompt.text("hold"), 200));
            assertInstanceOf(GenerationEvent.Token.class, holder.nextEvent());
            SlotCheck held = SlotCheck.of(engine, "solo");
            assertEquals(1, held.leaked(), held.toString());
            assertEquals("a request started only after another one ended", held.detail());

            holder.cancel();
            holder.await();
            assertEquals(0, SlotCheck.of(engine, "solo").leaked());
        }
    }
}
