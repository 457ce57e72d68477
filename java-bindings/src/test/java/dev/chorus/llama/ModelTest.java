package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTest {

    @Test
    void readsTheFixturesShape() {
        FixtureModel spec = FixtureModel.DEFAULT;
        try (Model model = Model.load(TestModels.fixture(), ModelParams.cpu())) {
            assertEquals(Optional.of(spec.name()), model.metadata("general.name"));
            assertEquals(spec.embeddingLength(), model.embeddingLength());
            assertEquals(spec.layers(), model.layerCount());
            assertEquals(TestModels.fixture(), model.file());
            assertTrue(model.parameterCount() > (long) TestModels.VOCAB_SIZE * spec.embeddingLength(), "embeddings alone");
        }
    }

    /** On the shared trained model: skips, naming the folder, where it is absent. */
    @Test
    void readsTheModelsShapeAndMetadata() {
        try (Model model = Model.load(TestModels.base(), ModelParams.cpu())) {
            assertEquals(Optional.of("llama"), model.metadata("general.architecture"));
            assertEquals(Optional.of("256"), model.metadata("llama.embedding_length"));
            assertEquals(Optional.empty(), model.metadata("no.such.key"));
            assertEquals(256, model.embeddingLength());
            assertEquals(6, model.layerCount());
            // 12.7 M parameters (README), stored as F16 apart from the F32 norms.
            assertTrue(Math.abs(model.parameterCount() - 12_700_000L) < 100_000L, "parameters " + model.parameterCount());
            assertTrue(model.sizeBytes() > 2 * model.parameterCount() - 1_000_000L, "bytes " + model.sizeBytes());
            assertTrue(model.description().startsWith("llama "), model.description());
        }
    }

    @Test
    void loadsTheVocabularyAloneAndRefusesToDecodeWithIt() {
        try (Model model = Model.load(TestModels.fixture(), ModelParams.vocabularyOnly())) {
            assertEquals(TestModels.VOCAB_SIZE, model.vocab().size());
            assertThrows(IllegalStateException.class, () -> model.newContext(ContextParams.of(TestModels.CONTEXT, TestModels.THREADS)));
        }
    }

    @Test
    void appliesABuiltInTemplateWhenTheModelHasNone() {
        try (Model model = Model.load(TestModels.fixture(), ModelParams.vocabularyOnly())) {
            assertEquals(Optional.empty(), model.chatTemplate());
        }
        List<ChatMessage> chat = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Grüß dich 🎉"));

        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nGrüß dich 🎉<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.named("chatml").apply(chat, true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nGrüß dich 🎉<|im_end|>\n",
                ChatTemplate.named("chatml").apply(chat, false));
    }

    @Test
    void growsTheTemplateBufferForLongChats() {
        String longText = "word ".repeat(2000);
        String prompt = ChatTemplate.named("chatml").apply(List.of(new ChatMessage("user", longText)), true);
        assertTrue(prompt.contains(longText) && prompt.endsWith("<|im_start|>assistant\n"));
    }

    @Test
    void anUnknownTemplateFailsWithTheFunctionAndStatus() {
        var error = assertThrows(LlamaCallException.class,
                () -> ChatTemplate.named("no-such-template").apply(List.of(new ChatMessage("user", "hi")), true));
        assertEquals("llama_chat_apply_template", error.function());
        assertEquals(-1, error.code());
    }

    @Test
    void aFileThatIsNotGgufFailsWithLlamaCppsReason(@TempDir Path folder) throws Exception {
        Path notGguf = Files.writeString(folder.resolve("model.gguf"), "not a gguf file");

        var error = assertThrows(LlamaException.class, () -> Model.load(notGguf, ModelParams.cpu()));

        assertTrue(error.getMessage().startsWith("llama.cpp could not load " + notGguf), error.getMessage());
        assertTrue(error.getMessage().contains("(llama.cpp: "), "carries the logged error: " + error.getMessage());
    }

    @Test
    void aMissingFileIsRejectedBeforeLlamaCppSeesIt(@TempDir Path folder) {
        Path missing = folder.resolve("missing.gguf");
        var error = assertThrows(IllegalArgumentException.class, () -> Model.load(missing, ModelParams.cpu()));
        assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
    }

    @Test
    void routesLlamaCppsLogIntoSystemLogger() {
        try (LogCapture log = LogCapture.of("llama.cpp");
             Model model = Model.load(TestModels.fixture(), ModelParams.vocabularyOnly())) {
            List<String> messages = log.messages();
            assertTrue(messages.stream().anyMatch(m -> m.contains("llama_model_loader")),
                    "no loader lines among " + messages.size() + " records");
            assertFalse(messages.stream().anyMatch(m -> m.endsWith("\n")), "lines are split at newlines");
        }
    }
}
