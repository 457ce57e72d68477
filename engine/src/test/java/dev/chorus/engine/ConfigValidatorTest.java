package dev.chorus.engine;

import dev.chorus.engine.config.ConfigException;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufValue;
import dev.chorus.testkit.MutatedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigValidatorTest {
    private static final int CHANGED_TOKEN = 5000;

    @TempDir
    Path folder;

    @Test
    void modelsSharingTheVocabularyPass() throws IOException {
        EngineConfig config = write("""
                models:
                  base: { path: %s }
                  kjv:  { path: %s }
                collaborations:
                  pair: { kind: ensemble, members: [ {model: base}, {model: kjv} ] }
                """.formatted(SharedModels.path(SharedModels.BASE), SharedModels.path(SharedModels.KJV)));
        ConfigValidator.validate(config);
    }

    @Test
    void aVocabularyWithOneTokenChangedIsRefusedNamingTheToken() throws IOException {
        Path changed = copyWithTokenChanged(SharedModels.path(SharedModels.KJV), CHANGED_TOKEN);
        EngineConfig config = write("""
                models:
                  base: { path: %s }
                  odd:  { path: %s }
                collaborations:
                  pair:
                    kind: ensemble
                    members:
                      - { model: base }
                      - { model: odd }
                """.formatted(SharedModels.path(SharedModels.BASE), changed));
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigValidator.validate(config));
        assertEquals(9, error.line(), error.getMessage());
        assertTrue(error.getMessage().contains("token " + CHANGED_TOKEN + " is "), error.getMessage());
        assertTrue(error.getMessage().contains("vocabulary of model 'odd' differs from that of 'base'"),
                error.getMessage());
    }

    @Test
    void aMissingFileIsAnErrorAtItsModel() throws IOException {
        EngineConfig config = write("models:\n  a: { path: %s }\n  b: { path: nowhere.gguf }\n"
                .formatted(SharedModels.path(SharedModels.BASE)));
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigValidator.validate(config));
        assertEquals(3, error.line());
        assertTrue(error.getMessage().contains("no file"), error.getMessage());
    }

    @Test
    void aFileThatIsNotGgufIsAnErrorAtItsModel() throws IOException {
        Files.writeString(folder.resolve("notes.gguf"), "not a model at all");
        EngineConfig config = write("models:\n  notes: { path: notes.gguf }\n");
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigValidator.validate(config));
        assertEquals(2, error.line());
        assertTrue(error.getMessage().contains("is not a usable GGUF file"), error.getMessage());
    }

    @Test
    void anUnknownChatTemplateIsAnErrorAtItsModel() throws IOException {
        EngineConfig config = write("models:\n  a: { path: %s }\n  b: { path: %s, chat_template: no-such-template }\n"
                .formatted(SharedModels.path(SharedModels.BASE), SharedModels.path(SharedModels.KJV)));
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigValidator.validate(config));
        assertEquals(3, error.line());
        assertTrue(error.getMessage().contains("chat_template 'no-such-template' is not a template llama.cpp knows"),
                error.getMessage());
    }

    @Test
    void aModelsOwnChatTemplateLlamaCppCannotApplyIsAnErrorAtItsModelUnlessOneIsConfigured() throws IOException {
        Path custom = folder.resolve("custom-template.gguf");
        MutatedModels.writeChanged(SharedModels.path(SharedModels.KJV), custom, metadata -> metadata.put(
                "tokenizer.chat_template", new GgufValue.Text("{% for m in messages %}[[{{ m.content }}]]{% endfor %}")));
        EngineConfig config = write("models:\n  a: { path: %s }\n  custom: { path: %s }\n"
                .formatted(SharedModels.path(SharedModels.BASE), custom));
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigValidator.validate(config));
        assertEquals(3, error.line());
        assertTrue(error.getMessage().contains("model 'custom': llama.cpp cannot apply the file's own chat template"),
                error.getMessage());
        ConfigValidator.validate(write("models:\n  custom: { path: %s, chat_template: chatml }\n".formatted(custom)));
    }

    private EngineConfig write(String yaml) throws IOException {
        Path file = folder.resolve("chorus.yaml");
        Files.writeString(file, yaml);
        return EngineConfig.load(file);
    }

    /** A copy of a real model whose token {@code id} has one letter changed in place (same length, still valid GGUF). */
    private Path copyWithTokenChanged(Path model, int id) throws IOException {
        String token;
        try (GgufFile gguf = GgufFile.open(model)) {
            token = gguf.getStringArray("tokenizer.ggml.tokens").get(id);
        }
        byte[] text = token.getBytes(StandardCharsets.UTF_8);
        byte[] encoded = ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(text.length).put(text).array();
        byte[] bytes = Files.readAllBytes(model);
        int at = indexOf(bytes, encoded);
        assertTrue(at >= 0, "token " + id + " found in the file");
        int last = at + encoded.length - 1;
        bytes[last] = (byte) (bytes[last] == 'q' ? 'z' : 'q');
        Path copy = folder.resolve("changed.gguf");
        Files.write(copy, bytes);
        return copy;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
