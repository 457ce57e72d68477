package dev.chorus.engine.orchestration;

import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.SharedModels;
import dev.chorus.testkit.RealModels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Engines over the three shared models ({@code base}, {@code kjv}, {@code pydocs}: 512-token contexts, one
 * llama.cpp thread, the Java fusion backend) with the given collaborations; tests skip without the models.
 */
final class OrchestrationEngines {
    private OrchestrationEngines() {
    }

    static Engine start(Path folder, String collaborations) {
        RealModels models = SharedModels.located();
        String yaml = """
                models:
                  base:   { path: %s, threads: 1, context: 512, slots: 4 }
                  kjv:    { path: %s, threads: 1, context: 512, slots: 4 }
                  pydocs: { path: %s, threads: 1, context: 512, slots: 4 }
                scheduler: { fusion_backend: java }
                """.formatted(models.path(SharedModels.BASE), models.path(SharedModels.KJV),
                models.path(SharedModels.PYDOCS)) + collaborations;
        try {
            Path file = folder.resolve("chorus.yaml");
            Files.writeString(file, yaml);
            return Engine.start(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a request to its end and checks that it answered. */
    static Finished run(Engine engine, String name, GenerationRequest request) throws InterruptedException {
        Generation generation = engine.submit(name, request);
        Completion completion = generation.await();
        assertTrue(completion.reason() == FinishReason.STOP || completion.reason() == FinishReason.LENGTH,
                () -> name + " ended with " + completion.reason() + " " + completion.error());
        return new Finished(completion, generation);
    }

    record Finished(Completion completion, Generation generation) {
        List<MemberReport> reports() {
            return generation.memberReports();
        }
    }
}
