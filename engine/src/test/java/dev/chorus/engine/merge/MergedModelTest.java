package dev.chorus.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.config.ConfigException;
import dev.chorus.engine.ConfigValidator;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code merge:} model of the config: merged at start into the cache, reused, served like any model. */
class MergedModelTest {
    private static final Path BASE = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(31));
    private static final Path KJV = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(32));
    private static final Path PYDOCS = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(33));
    /** Line 3 of {@link #config()}: the merged model's entry. */
    private static final int MERGED_LINE = 3;
    private static final FileTime LONG_AGO = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

    @TempDir
    Path folder;
    @TempDir
    Path cacheRoot;

    @BeforeEach
    void useTheTemporaryCache() {
        System.setProperty(MergeCache.CACHE_DIR_PROPERTY, cacheRoot.toString());
    }

    @AfterEach
    void forgetTheTemporaryCache() {
        System.clearProperty(MergeCache.CACHE_DIR_PROPERTY);
    }

    @Test
    void mergesOnceIntoTheCacheThenServesAndReusesTheFile() throws IOException, InterruptedException {
        Path config = config(ties(0.5));
        try (Engine engine = Engine.start(config)) {
            assertTrue(engine.collaborations().containsAll(List.of("base", "merged", "pair")), engine.collaborations()
                    .toString());
            assertGenerates(engine, "merged");
            assertGenerates(engine, "pair");
        }
        Path merged = single(cachedMerges());
        assertTrue(merged.getFileName().toString().matches("[0-9a-f]{64}\\.gguf"), merged.toString());
        try (GgufFile file = GgufFile.open(merged)) {
            assertEquals(GgmlType.F16, file.tensorInfo("blk.0.attn_q.weight").type());
        }
        // A new merge would replace the file (atomic rename) and so its modification time.
        Files.setLastModifiedTime(merged, LONG_AGO);
        try (Engine engine = Engine.start(config)) {
            assertEquals(merged, engine.config().model("merged").path());
            assertGenerates(engine, "merged");
        }
        assertEquals(List.of(merged), cachedMerges());
        assertEquals(LONG_AGO, Files.getLastModifiedTime(merged));
    }

    @Test
    void aChangedRecipeMakesANewFile() throws IOException, InterruptedException {
        Path config = config(ties(0.5));
        Engine.start(config).close();
        Path first = single(cachedMerges());
        config(ties(0.7));
        try (Engine engine = Engine.start(config)) {
            Path second = engine.config().model("merged").path();
            assertNotEquals(first, second);
            assertEquals(Stream.of(first, second).sorted().toList(), cachedMerges());
            assertGenerates(engine, "merged");
        }
    }

    @Test
    void theValidatorChecksAnUnmergedModelByItsBaseModelsVocabulary() throws IOException {
        EngineConfig config = EngineConfig.load(config(ties(0.5)));
        assertTrue(config.model("merged").awaitsMerge());
        ConfigValidator.validate(config);
        assertEquals(List.of(), cachedMerges());
    }

    @Test
    void anUnknownMethodIsAConfigErrorAtTheModelsLine() throws IOException {
        ConfigException error = startFails(ties(0.5).replace("merge_method: ties", "merge_method: blend"));
        assertTrue(error.getMessage().contains("bad recipe") && error.getMessage().contains("blend"),
                error.getMessage());
    }

    @Test
    void aMissingInputIsAConfigErrorAtTheModelsLine() throws IOException {
        ConfigException error = startFails(ties(0.5).replace(PYDOCS.toString(), folder.resolve("gone.gguf").toString()));
        assertTrue(error.getMessage().contains("does not exist") && error.getMessage().contains("gone.gguf"),
                error.getMessage());
    }

    @Test
    void aRefusedMergeIsAConfigErrorAndLeavesNoFile() throws IOException {
        Path wider = FixtureModels.cached(FixtureModel.DEFAULT.withSeed(34).withEmbeddingLength(128));
        ConfigException error = startFails(ties(0.5).replace(PYDOCS.toString(), wider.toString()));
        assertTrue(error.getMessage().contains("merging") && error.getMessage().contains("failed"), error.getMessage());
        assertEquals(List.of(), cachedMerges());
    }

    @Test
    void aModelWithBothPathAndMergeIsAConfigError() throws IOException {
        Path file = Files.writeString(folder.resolve("both.yaml"),
                "models:\n  m: { path: %s, merge: recipe.yaml }\n".formatted(BASE));
        ConfigException error = assertThrows(ConfigException.class, () -> EngineConfig.load(file));
        assertEquals(2, error.line(), error.getMessage());
        assertTrue(error.getMessage().contains("has both 'path' and 'merge'"), error.getMessage());
    }

    /** A TIES recipe over the three fixture models, kjv and pydocs at weight 0.5 and {@code density}. */
    private static String ties(double density) {
        return """
                merge_method: ties
                base_model: %s
                models:
                  - {model: %s, parameters: {weight: 0.5, density: %s}}
                  - {model: %s, parameters: {weight: 0.5, density: %s}}
                out_type: F16
                """.formatted(BASE, KJV, density, PYDOCS, density);
    }

    /** Writes {@code recipe} and a config serving it as 'merged', the base alone and both as an ensemble. */
    private Path config(String recipe) throws IOException {
        Files.writeString(folder.resolve("recipe.yaml"), recipe);
        return Files.writeString(folder.resolve("chorus.yaml"), """
                models:
                  base:   { path: %s, context: 128, slots: 2, threads: 1 }
                  merged: { merge: recipe.yaml, context: 128, slots: 2, threads: 1 }
                collaborations:
                  pair: { kind: ensemble, members: [ {model: merged}, {model: base} ] }
                scheduler: { fusion_backend: java }
                """.formatted(BASE));
    }

    private ConfigException startFails(String recipe) throws IOException {
        Path config = config(recipe);
        ConfigException error = assertThrows(ConfigException.class, () -> Engine.start(config).close());
        assertEquals(MERGED_LINE, error.line(), error.getMessage());
        assertTrue(error.getMessage().contains("merged model 'merged'"), error.getMessage());
        return error;
    }

    private static void assertGenerates(Engine engine, String name) throws InterruptedException {
        Completion completion = engine.submit(name, GenerationRequest.of(Prompt.text("In the beginning"), 6)).await();
        assertTrue(completion.error().isEmpty(), completion.error().toString());
        assertFalse(completion.tokens().isEmpty(), name + " generated nothing");
        assertTrue(completion.usage().promptTokens() > 0);
    }

    private List<Path> cachedMerges() throws IOException {
        Path merged = cacheRoot.resolve("merged");
        if (!Files.isDirectory(merged)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(merged)) {
            return files.sorted().toList();
        }
    }

    private static Path single(List<Path> files) {
        assertEquals(1, files.size(), files.toString());
        return files.getFirst();
    }
}
