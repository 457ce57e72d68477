package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The running server driven through the official OpenAI Java SDK, with strict validation of every response, against
 * a single real model and a fused ensemble of two, and the embeddings of a model.
 */
@Timeout(120)
class OpenAiClientTest {
    private static final String PROMPT = "And God said, Let there be light";
    private static final long MAX_TOKENS = 16;
    private static ServedEngine served;
    private static OpenAIClient client;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  base:   { path: {BASE}, threads: 1, context: 128, slots: 2 }
                  kjv:    { path: {KJV}, threads: 1, context: 128, slots: 2 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 128, slots: 2 }
                collaborations:
                  experts: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                  tuned: { kind: proxy, base: base, expert: kjv, anti_expert: pydocs, strength: 1.0 }
                scheduler: { max_queued: 8, prefill_chunk: 64 }
                """, ServedEngine.loopback());
        client = served.openAiClient();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (served != null) {
            served.close();
        }
    }

    @Test
    void listsEveryModelAndCollaborationWithItsKindAndMembers() {
        List<Model> models = client.models().list().data();
        models.forEach(Model::validate);
        assertEquals(List.of("base", "kjv", "pydocs", "experts", "tuned"), models.stream().map(Model::id).toList());
        JsonNode ensemble = extension(models.get(3));
        assertEquals("ensemble", ensemble.get("kind").asText());
        assertEquals("linear", ensemble.get("method").asText());
        assertEquals(Json.MAPPER.valueToTree(List.of("kjv", "pydocs")), ensemble.get("members"));
        assertEquals(Json.MAPPER.valueToTree(List.of(0.5, 0.5)), ensemble.get("weights"));
        assertEquals("single", extension(models.getFirst()).get("kind").asText());
        assertEquals(Json.MAPPER.valueToTree(List.of(1.0, 1.0, -1.0)), extension(models.getLast()).get("weights"));
        assertEquals("kjv", client.models().retrieve("kjv").id());
    }

    @Test
    void singleModelAnswersWholeAndStreamedAlike() {
        assertStreamMatchesWholeAnswer("kjv");
    }

    @Test
    void fusedEnsembleAnswersWholeAndStreamedAlike() {
        assertStreamMatchesWholeAnswer("experts");
    }

    @Test
    void ensembleWeightsOneAndZeroReproduceTheFirstMember() {
        ChatCompletion alone = client.chat().completions().create(greedy("kjv").build());
        ChatCompletion weighted = client.chat().completions().create(greedy("experts")
                .putAdditionalBodyProperty("chorus", JsonValue.from(Map.of("weights", List.of(1.0, 0.0))))
                .build());
        assertEquals(text(alone), text(weighted));
        ChatCompletion fused = client.chat().completions().create(greedy("experts").build());
        ChatCompletion otherExpert = client.chat().completions().create(greedy("experts")
                .putAdditionalBodyProperty("chorus", JsonValue.from(Map.of("weights", List.of(0.0, 1.0))))
                .build());
        assertNotEquals(text(alone), text(otherExpert), "the two experts should write differently");
        assertFalse(text(fused).isEmpty());
    }

    @Test
    void proxyStrengthZeroIsTheBaseModelAlone() {
        String base = text(client.chat().completions().create(greedy("base").build()));
        ChatCompletion untuned = client.chat().completions().create(greedy("tuned")
                .putAdditionalBodyProperty("chorus", JsonValue.from(Map.of("strength", 0.0)))
                .build());
        assertEquals(base, text(untuned));
        String tuned = text(client.chat().completions().create(greedy("tuned")
                .putAdditionalBodyProperty("chorus", JsonValue.from(Map.of("strength", 2.0)))
                .build()));
        assertNotEquals(base, tuned, "steering the base by kjv − pydocs changes its text");
    }

    @Test
    void logprobsReportTheSampledTokenAndTheMostLikelyOnes() {
        ChatCompletion completion = client.chat().completions().create(greedy("experts")
                .logprobs(true).topLogprobs(3).build());
        completion.validate();
        List<ChatCompletionTokenLogprob> content = completion.choices().getFirst().logprobs().orElseThrow()
                .content().orElseThrow();
        assertEquals(completion.usage().orElseThrow().completionTokens(), content.size());
        StringBuilder pieces = new StringBuilder();
        for (ChatCompletionTokenLogprob token : content) {
            assertEquals(3, token.topLogprobs().size());
            assertTrue(token.logprob() <= 0, "a log-probability is ≤ 0: " + token.logprob());
            // Greedy decoding samples the most likely token of the fused distribution.
            assertEquals(token.topLogprobs().getFirst().token(), token.token());
            assertEquals(token.topLogprobs().getFirst().logprob(), token.logprob(), 1e-6);
            assertTrue(token.topLogprobs().get(1).logprob() <= token.topLogprobs().getFirst().logprob());
            byte[] bytes = new byte[token.bytes().orElseThrow().size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = token.bytes().get().get(i).byteValue();
            }
            pieces.append(new String(bytes, StandardCharsets.UTF_8));
        }
        assertEquals(text(completion), pieces.toString(), "the tokens' bytes spell the text");
    }

    @Test
    void stopSequenceEndsTheTextBeforeIt() {
        String full = text(client.chat().completions().create(greedy("kjv").build()));
        assertTrue(full.length() >= 12, "need some text to cut: '" + full + "'");
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        ChatCompletion stopped = client.chat().completions().create(greedy("kjv")
                .stop(ChatCompletionCreateParams.Stop.ofStrings(List.of("\u0000never", stop))).build());
        assertEquals(full.substring(0, full.indexOf(stop)), text(stopped));
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, stopped.choices().getFirst().finishReason());
    }

    @Test
    void aSeedReproducesEveryChoiceAndChoicesDiffer() {
        // As llama-server warns of cache_prompt: a prompt reused from the cache may round its logits differently from
        // a fresh prefill, so bit-for-bit reproduction asks for a fresh prefill.
        ChatCompletionCreateParams seeded = greedy("experts").temperature(1.0).seed(20261126L).n(2)
                .putAdditionalBodyProperty("cache_prompt", JsonValue.from(false)).build();
        List<String> first = texts(client.chat().completions().create(seeded));
        List<String> again = texts(client.chat().completions().create(seeded));
        assertEquals(first, again);
        assertNotEquals(first.get(0), first.get(1), "choices are separate random streams");
        List<String> otherSeed = texts(client.chat().completions().create(
                greedy("experts").temperature(1.0).seed(7L).n(2).build()));
        assertNotEquals(first, otherSeed);
    }

    @Test
    void seededChoicesStreamAsTheyAnswerWhole() {
        // A prompt reused from the cache may round its logits differently from a fresh prefill (docs/runtime.md), and a
        // seeded draw can flip on that: both answers prefill afresh.
        ChatCompletionCreateParams seeded = greedy("kjv").temperature(0.9).seed(99L).n(2)
                .putAdditionalBodyProperty("cache_prompt", JsonValue.from(false)).build();
        List<String> whole = texts(client.chat().completions().create(seeded));
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(seeded)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals(whole, texts(accumulator.chatCompletion()));
    }

    @Test
    void legacyCompletionsStreamTheSameText() {
        CompletionCreateParams params = CompletionCreateParams.builder()
                .model("experts")
                .prompt("The function returns")
                .maxTokens(MAX_TOKENS)
                .temperature(0.0)
                .build();
        String whole = client.completions().create(params).choices().getFirst().text();
        StringBuilder streamed = new StringBuilder();
        List<String> reasons = new ArrayList<>();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                streamed.append(choice.text());
                if (!choice._finishReason().isNull() && !choice._finishReason().isMissing()) {
                    reasons.add(choice.finishReason().asString());
                }
            }));
        }
        assertEquals(whole, streamed.toString());
        assertEquals(1, reasons.size(), "one chunk ends the choice: " + reasons);
        assertTrue(List.of("stop", "length").contains(reasons.getFirst()), reasons.toString());
    }

    @Test
    void legacyCompletionsContinueThePromptWithLogprobs() {
        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model("base")
                .prompt("In the beginning")
                .maxTokens(MAX_TOKENS)
                .temperature(0.0)
                .logprobs(2L)
                .build());
        completion.validate();
        CompletionUsage usage = completion.usage().orElseThrow();
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        var logprobs = completion.choices().getFirst().logprobs().orElseThrow();
        assertEquals(usage.completionTokens(), logprobs.tokens().orElseThrow().size());
        assertEquals(usage.completionTokens(), logprobs.tokenLogprobs().orElseThrow().size());
        assertFalse(completion.choices().getFirst().text().isEmpty());
    }

    private static void assertStreamMatchesWholeAnswer(String model) {
        ChatCompletion whole = client.chat().completions().create(greedy(model).build());
        whole.validate();
        assertTrue(whole.id().startsWith("chatcmpl-"));
        assertEquals(model, whole.model());
        CompletionUsage usage = whole.usage().orElseThrow();
        assertTrue(usage.promptTokens() > 0 && usage.completionTokens() > 0
                && usage.completionTokens() <= MAX_TOKENS, usage.toString());
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        if (whole.choices().getFirst().finishReason() == ChatCompletion.Choice.FinishReason.LENGTH) {
            assertEquals(MAX_TOKENS, usage.completionTokens());
        }

        ChatCompletionCreateParams streamed = greedy(model)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(streamed)) {
            stream.stream().forEach(chunks::add);
        }
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        chunks.forEach(chunk -> accumulator.accumulate(chunk.validate()));
        assertEquals(1, chunks.stream().map(ChatCompletionChunk::id).distinct().count(), "one id in every chunk");
        ChatCompletionChunk.Choice.Delta opening = chunks.getFirst().choices().getFirst().delta();
        assertTrue(opening.role().isPresent() && opening.content().isEmpty(), "the first delta carries only the role");
        ChatCompletionChunk last = chunks.getLast();
        assertTrue(last.choices().isEmpty(), "the usage chunk has no choices");
        CompletionUsage streamedUsage = last.usage().orElseThrow();
        assertEquals(usage.promptTokens(), streamedUsage.promptTokens());
        assertEquals(usage.completionTokens(), streamedUsage.completionTokens());
        assertEquals(usage.totalTokens(), streamedUsage.totalTokens());
        chunks.subList(0, chunks.size() - 1).forEach(chunk -> assertTrue(chunk.usage().isEmpty()));
        ChatCompletion accumulated = accumulator.chatCompletion();
        assertEquals(text(whole), text(accumulated));
        assertEquals(whole.choices().getFirst().finishReason(), accumulated.choices().getFirst().finishReason());
    }

    @Test
    void embeddingsThroughTheClientAreTheServersVectorsInEitherEncoding() {
        List<String> inputs = List.of(PROMPT, "In the beginning");
        JsonNode raw = HttpProbe.json(new HttpProbe(served.server()).post("/v1/embeddings",
                "{\"model\": \"kjv\", \"input\": " + Json.MAPPER.valueToTree(inputs) + "}").body());
        List<EmbeddingCreateParams.EncodingFormat> formats = new ArrayList<>();
        formats.add(null);
        formats.add(EmbeddingCreateParams.EncodingFormat.FLOAT);
        formats.add(EmbeddingCreateParams.EncodingFormat.BASE64);
        for (EmbeddingCreateParams.EncodingFormat format : formats) {
            EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder().model("kjv")
                    .inputOfArrayOfStrings(inputs);
            if (format != null) {
                params.encodingFormat(format);
            }
            CreateEmbeddingResponse response = client.embeddings().create(params.build());
            response.validate();
            assertEquals("kjv", response.model());
            assertEquals(raw.get("usage").get("prompt_tokens").asLong(), response.usage().promptTokens());
            assertEquals(inputs.size(), response.data().size());
            for (int i = 0; i < inputs.size(); i++) {
                List<Float> expected = new ArrayList<>();
                raw.get("data").get(i).get("embedding").forEach(value -> expected.add(value.floatValue()));
                assertEquals(expected, response.data().get(i).embedding(), "input " + i + " as " + format);
            }
        }
        BadRequestException fused = assertThrows(BadRequestException.class, () -> client.embeddings().create(
                EmbeddingCreateParams.builder().model("experts").input(PROMPT).build()));
        assertEquals(400, fused.statusCode());
    }

    private static JsonNode extension(Model model) {
        return model._additionalProperties().get("chorus").convert(JsonNode.class);
    }

    private static ChatCompletionCreateParams.Builder greedy(String model) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage(PROMPT)
                .maxCompletionTokens(MAX_TOKENS)
                .temperature(0.0);
    }

    private static String text(ChatCompletion completion) {
        return completion.choices().getFirst().message().content().orElseThrow();
    }

    private static List<String> texts(ChatCompletion completion) {
        completion.validate();
        return completion.choices().stream().map(choice -> choice.message().content().orElseThrow()).toList();
    }
}
