package dev.chorus.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embedding requests on the step loop: bounded per model, dropped when cancelled, failed when the engine closes; and
 * the normalisation against a double-precision reference.
 */
@Timeout(120)
class EmbeddingQueueTest {
    /** Enough inputs that a request is still running when the test acts on it (it is cancelled long before its end). */
    private static final List<EmbeddingInput> MANY = Collections.nCopies(ModelEmbeddings.MAX_INPUTS,
            EmbeddingInput.text("And God said, Let there be light: and there was light."));
    private static final List<EmbeddingInput> ONE = List.of(EmbeddingInput.text("In the beginning"));

    private static Engine start(Path folder) {
        return TestEngines.start(folder, "context: 64, slots: 1", "scheduler: { max_queued: 1 }\n");
    }

    @Test
    void aModelTakesAsManyEmbeddingRequestsAsSlotsAndQueueAndLetsCancelledOnesGo(@TempDir Path folder)
            throws Exception {
        try (Engine engine = start(folder)) {
            CompletableFuture<List<Embedding>> first = engine.embed("kjv", MANY, OptionalInt.empty());
            CompletableFuture<List<Embedding>> second = engine.embed("kjv", MANY, OptionalInt.empty());
            assertThrows(OverloadedException.class, () -> engine.embed("kjv", ONE, OptionalInt.empty()));
            assertEquals(1, engine.embed("pydocs", ONE, OptionalInt.empty()).get(60, TimeUnit.SECONDS).size(),
                    "another model has its own bound");
            first.cancel(false);
            second.cancel(false);
            List<Embedding> after = engine.embed("kjv", ONE, OptionalInt.empty()).get(60, TimeUnit.SECONDS);
            assertEquals(1, after.size());
            assertEquals(engine.info("kjv").embeddingDimensions().getAsInt(), after.getFirst().vector().length);
        }
    }

    @Test
    void closingTheEngineFailsTheRequestsStillEmbedding(@TempDir Path folder) {
        CompletableFuture<List<Embedding>> running;
        try (Engine engine = start(folder)) {
            running = engine.embed("kjv", MANY, OptionalInt.empty());
        }
        ExecutionException failed = assertThrows(ExecutionException.class, () -> running.get(60, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, failed.getCause());
    }

    @Test
    void normalisationIsLlamaCppsEuclideanRuleWithinFloatRounding() {
        Random random = new Random(7);
        for (int trial = 0; trial < 100; trial++) {
            float[] vector = new float[1 + random.nextInt(1024)];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            }
            double norm = 0;
            for (float value : vector) {
                norm += (double) value * value;
            }
            norm = Math.sqrt(norm);
            float[] normalised = ModelEmbeddings.normalised(vector);
            for (int i = 0; i < vector.length; i++) {
                assertEquals(vector[i] / norm, normalised[i], 1e-6 * Math.abs(vector[i] / norm) + 1e-12);
            }
        }
        float[] zero = ModelEmbeddings.normalised(new float[8]);
        for (float value : zero) {
            assertEquals(0f, value, "a zero vector stays zero, as in llama.cpp");
        }
        assertTrue(Float.isFinite(ModelEmbeddings.normalised(new float[] {Float.MIN_VALUE})[0]));
    }
}
