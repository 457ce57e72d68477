package dev.chorus.engine.config;

import dev.chorus.engine.ConfigValidator;
import dev.chorus.engine.Engine;
import dev.chorus.engine.merge.RecipeParser;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;
import dev.chorus.testkit.MutatedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configs, recipes and model files written to hurt: each refused at once, with its line or key, nothing dies. */
class HostileConfigTest {
    @TempDir
    Path folder;

    /** Every value llama.cpp aborts on stops the start at the model's line, naming the key and the file. */
    @ParameterizedTest
    @EnumSource(MutatedModels.Semantic.class)
    void aModelFileLlamaCppWouldAbortOnIsRefusedAtStart(MutatedModels.Semantic mutation) throws IOException {
        Path file = folder.resolve(mutation.name().toLowerCase(Locale.ROOT) + ".gguf");
        mutation.write(FixtureModels.cached(FixtureModel.DEFAULT), file);
        EngineConfig config = EngineConfig.parse("models:\n  bad: { path: " + file + ", context: 64, slots: 1 }\n",
                folder.resolve("chorus.yaml"));
        ConfigException refused = assertThrows(ConfigException.class, () -> Engine.start(config).close());
        assertEquals(2, refused.line(), refused.getMessage());
        assertTrue(refused.getMessage().contains(file + ": " + mutation.key() + " "), refused.getMessage());
    }

    /** The child-process load the server runs first: a good file passes, one llama.cpp refuses names its line. */
    @Test
    void theProbeLoadsGoodFilesAndNamesTheLineOfOneLlamaCppRefuses() throws IOException {
        Path good = FixtureModels.cached(FixtureModel.DEFAULT);
        Path vocabularyOnly = FixtureModels.vocabularyFile(); // a GGUF file with a tokenizer and no weights
        EngineConfig config = EngineConfig.parse("models:\n  good: { path: " + good + " }\n  weightless: { path: "
                + vocabularyOnly + " }\n", folder.resolve("chorus.yaml"));
        ConfigValidator.validate(config);
        ConfigException refused = assertThrows(ConfigException.class,
                () -> ConfigValidator.probe(config, Duration.ofMinutes(1)));
        assertEquals(3, refused.line(), refused.getMessage());
        assertTrue(refused.getMessage().contains("model 'weightless': " + vocabularyOnly + " cannot be loaded: "),
                refused.getMessage());
        ConfigValidator.probe(EngineConfig.parse("models:\n  good: { path: " + good + " }\n",
                folder.resolve("chorus.yaml")), Duration.ofMinutes(1));
    }

    @Test
    void contextTimesSlotsBeyondInt32IsRefusedAtItsLine() {
        ConfigException refused = assertThrows(ConfigException.class, () -> EngineConfig.parse("""
                models:
                  huge: { path: m.gguf, context: 100000000, slots: 64 }
                """, folder.resolve("chorus.yaml")));
        assertEquals(2, refused.line());
        assertTrue(refused.getMessage().contains("context 100000000 x slots 64 is more than llama.cpp's limits"),
                refused.getMessage());
    }

    @Test
    void aKvCacheLargerThanMemoryIsRefusedBeforeLlamaCppAllocates() {
        EngineConfig config = EngineConfig.parse("models:\n  big: { path: " + FixtureModels.cached(FixtureModel.DEFAULT)
                + ", context: 8000000, slots: 256 }\n", folder.resolve("chorus.yaml"));
        ConfigException refused = assertThrows(ConfigException.class, () -> ConfigValidator.validate(config));
        assertEquals(2, refused.line());
        // 2.048e9 tokens x 2 layers x 4 heads x (16 + 16 key and value elements) x 2 bytes (F16) = 1049 GB
        assertTrue(refused.getMessage().contains("context 8000000 x slots 256 needs a KV cache of 1048.6 GB"),
                refused.getMessage());
    }

    @Test
    void anAliasBombRecipeIsRefusedWithoutExpandingIt() throws IOException {
        StringBuilder bomb = new StringBuilder("a0: &a0 [x, x]\n");
        for (int i = 1; i <= 48; i++) {
            bomb.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
                    .append(i - 1).append("]\n");
        }
        Path recipe = folder.resolve("bomb.yaml");
        Files.writeString(recipe, "merge_method: linear\nmodels: []\n" + bomb);
        long started = System.nanoTime();
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> RecipeParser.parse(recipe));
        assertTrue(refused.getMessage().length() < 1000, refused.getMessage());
        assertTrue(System.nanoTime() - started < 5_000_000_000L);

        Path structured = folder.resolve("structured.yaml");
        Files.writeString(structured, "merge_method: linear\nmodels:\n  - model: &m [" + "x, ".repeat(5000) + "x]\n");
        IllegalArgumentException described = assertThrows(IllegalArgumentException.class,
                () -> RecipeParser.parse(structured));
        assertTrue(described.getMessage().length() < 400, described.getMessage());
    }

    @Test
    void anAliasBombConfigIsRefused() {
        StringBuilder bomb = new StringBuilder("a0: &a0 [x, x]\n");
        for (int i = 1; i <= 48; i++) {
            bomb.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
                    .append(i - 1).append("]\n");
        }
        ConfigException refused = assertThrows(ConfigException.class,
                () -> EngineConfig.parse("models: {}\n" + bomb, folder.resolve("chorus.yaml")));
        assertTrue(refused.getMessage().length() < 1000, refused.getMessage());
    }

    @Test
    void oversizeFilesAreRefusedBeforeParsing() throws IOException {
        String comment = "#" + "x".repeat(10 << 20) + "\n";
        Path config = folder.resolve("huge.yaml");
        Files.writeString(config, comment + "models: {}\n");
        Path recipe = folder.resolve("huge-recipe.yaml");
        Files.writeString(recipe, comment + "merge_method: linear\n");
        long started = System.nanoTime();
        IllegalArgumentException configRefused = assertThrows(IllegalArgumentException.class,
                () -> EngineConfig.load(config));
        IllegalArgumentException recipeRefused = assertThrows(IllegalArgumentException.class,
                () -> RecipeParser.parse(recipe));
        assertTrue(System.nanoTime() - started < 1_000_000_000L, "refused without parsing");
        assertTrue(configRefused.getMessage().contains("the config is " + Files.size(config)
                + " bytes, more than the 1048576"), configRefused.getMessage());
        assertTrue(recipeRefused.getMessage().contains("the recipe is " + Files.size(recipe) + " bytes"),
                recipeRefused.getMessage());
    }
}
