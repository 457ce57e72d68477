package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chorus.testkit.RealModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /v1/embeddings} and {@code /props} on the real models: llama.cpp's own {@code llama-embedding} as the
 * reference where it is built, normalised vectors, base64 as the floats, a batch as its inputs one by one, token ids
 * as their text, a drafted {@code single} collaboration as its model, embeddings beside a running generation, and the 400s.
 */
@Timeout(300)
class EmbeddingsApiTest {
    private static final String PATH = "/v1/embeddings";
    private static final String TEXT = "In the beginning God created the heaven and the earth.";
    /** Where a {@code llama-embedding} of the pinned llama.cpp is looked for when the property and variable are unset. */
    private static final String REFERENCE_PROPERTY = "chorus.test.llamaEmbedding";
    private static final String REFERENCE_VARIABLE = "CHORUS_LLAMA_EMBEDDING";
    private static final int CONTEXT = 128;
    /**
     * The reference's context: llama-embedding of v0.5.0 reserves outputs for 256 sequences and asserts they fit its
     * batch, which it sets to the context, so it aborts below 256; the context does not change one prompt's vector.
     */
    private static final int REFERENCE_CONTEXT = 512;
    private static ServedEngine served;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: %d, slots: 2 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: %d, slots: 2 }
                collaborations:
                  bible:   { kind: single, model: kjv, draft: pydocs }
                  experts: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                  pick:    { kind: router, members: [kjv, pydocs], default: kjv, rules: [ {member: pydocs, keywords: [python]} ] }
                """.formatted(CONTEXT, CONTEXT), ServedEngine.loopback());
        http = new HttpProbe(served.server());
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    private static JsonNode embed(String body) {
        HttpResponse<String> response = http.post(PATH, body);
        assertEquals(200, response.statusCode(), response.body());
        return HttpProbe.json(response.body());
    }

    private static float[] vector(JsonNode entry) {
        JsonNode values = entry.get("embedding");
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i).floatValue();
        }
        return vector;
    }

    private static float[] single(String model, String inputJson) {
        JsonNode answer = embed("{\"model\": \"" + model + "\", \"input\": " + inputJson + "}");
        assertEquals(1, answer.get("data").size());
        return vector(answer.get("data").get(0));
    }

    private static int[] tokens(String text) {
        JsonNode answer = HttpProbe.json(http.post("/tokenize",
                "{\"model\": \"kjv\", \"content\": " + Json.MAPPER.valueToTree(text) + ", \"add_special\": true}").body());
        return Json.MAPPER.convertValue(answer.get("tokens"), int[].class);
    }

    @Test
    void answersInOpenAisShapeWithUnitVectorsOfTheModelsWidth() {
        JsonNode answer = embed("{\"model\": \"kjv\", \"input\": [\"" + TEXT + "\", \"And God said\"]}");
        assertEquals("list", answer.get("object").asText());
        assertEquals("kjv", answer.get("model").asText());
        JsonNode props = HttpProbe.json(http.get("/props?model=kjv").body());
        int width = props.get("chorus").get("models").get(0).get("n_embd").asInt();
        assertEquals(width, props.get("chorus").get("embeddings").get("dimensions").asInt());
        for (int i = 0; i < 2; i++) {
            JsonNode entry = answer.get("data").get(i);
            assertEquals("embedding", entry.get("object").asText());
            assertEquals(i, entry.get("index").asInt());
            float[] vector = vector(entry);
            assertEquals(width, vector.length);
            double norm = 0;
            for (float value : vector) {
                norm += value * (double) value;
            }
            assertEquals(1, Math.sqrt(norm), 1e-5, "an L2-normalised vector");
        }
        assertFalse(java.util.Arrays.equals(vector(answer.get("data").get(0)), vector(answer.get("data").get(1))),
                "different texts, different vectors");
        int prompt = tokens(TEXT).length + tokens("And God said").length;
        assertEquals(prompt, answer.get("usage").get("prompt_tokens").asInt());
        assertEquals(prompt, answer.get("usage").get("total_tokens").asInt());
    }

    @Test
    void equalsLlamaCppsOwnLlamaEmbeddingForTheSameText() throws Exception {
        Optional<Path> reference = referenceBinary();
        Assumptions.assumeTrue(reference.isPresent(), "no llama-embedding of llama.cpp v0.5.0: set -D"
                + REFERENCE_PROPERTY + " or " + REFERENCE_VARIABLE + ", or build it into ~/.cache/chorus/llama-0.5.0/*/bin");
        Path model = RealModels.locate().orElseThrow().path(RealModels.KJV);
        Process process = new ProcessBuilder(reference.get().toString(), "-m", model.toString(), "-p", TEXT,
                "--pooling", "mean", "--embd-normalize", "2", "--embd-output-format", "json", "-c",
                Integer.toString(REFERENCE_CONTEXT), "-t", "1", "--no-warmup")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        JsonNode expected = HttpProbe.json(output.substring(output.indexOf('{')));
        float[] want = vector(expected.get("data").get(0));
        float[] got = single("kjv", "\"" + TEXT + "\"");
        assertEquals(want.length, got.length);
        for (int i = 0; i < got.length; i++) {
            // llama-embedding prints 7 decimals: equal up to that rounding (measured: at most 5.2e-8).
            assertEquals(want[i], got[i], 1e-7, "dimension " + i);
        }
    }

    /** The property, the variable, or a {@code bin/llama-embedding} in a llama.cpp v0.5.0 build of the cache. */
    private static Optional<Path> referenceBinary() throws IOException {
        String named = System.getProperty(REFERENCE_PROPERTY, System.getenv(REFERENCE_VARIABLE));
        if (named != null) {
            return Optional.of(Path.of(named)).filter(Files::isExecutable);
        }
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "chorus", "llama-0.5.0");
        if (!Files.isDirectory(cache)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> builds = Files.newDirectoryStream(cache, "native-*")) {
            for (Path build : builds) {
                Path binary = build.resolve("bin").resolve("llama-embedding");
                if (Files.isExecutable(binary)) {
                    return Optional.of(binary);
                }
            }
        }
        return Optional.empty();
    }

    @Test
    void base64IsTheLittleEndianFloatsOfTheFloatAnswer() {
        float[] floats = single("kjv", "\"" + TEXT + "\"");
        JsonNode answer = embed("{\"model\": \"kjv\", \"input\": \"" + TEXT + "\", \"encoding_format\": \"base64\"}");
        byte[] bytes = Base64.getDecoder().decode(answer.get("data").get(0).get("embedding").asText());
        float[] decoded = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(decoded);
        assertArrayEquals(floats, decoded);
        assertArrayEquals(floats, single("kjv", "\"" + TEXT + "\""), "the same text gives the same vector");
    }

    @Test
    void aBatchEqualsItsInputsOneByOne() {
        List<String> texts = List.of(TEXT, "And God said, Let there be light", "def read(path):", TEXT);
        JsonNode batch = embed("{\"model\": \"kjv\", \"input\": " + Json.MAPPER.valueToTree(texts) + "}");
        assertEquals(texts.size(), batch.get("data").size());
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(single("kjv", Json.MAPPER.valueToTree(texts.get(i)).toString()),
                    vector(batch.get("data").get(i)), "input " + i);
        }
    }

    @Test
    void tokenIdsEmbedAsTheTextTheyTokenizeTo() {
        float[] text = single("kjv", "\"" + TEXT + "\"");
        int[] ids = tokens(TEXT);
        assertArrayEquals(text, single("kjv", Json.MAPPER.valueToTree(ids).toString()), "one array of token ids");
        JsonNode arrays = embed("{\"model\": \"kjv\", \"input\": [" + Json.MAPPER.valueToTree(ids) + ", "
                + Json.MAPPER.valueToTree(tokens("And God said")) + "]}");
        assertArrayEquals(text, vector(arrays.get("data").get(0)), "an array of arrays");
        assertArrayEquals(single("kjv", "\"And God said\""), vector(arrays.get("data").get(1)));
        assertEquals(ids.length + tokens("And God said").length, arrays.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void aSingleCollaborationEmbedsAsItsModelAndAnotherModelOtherwise() {
        float[] kjv = single("kjv", "\"" + TEXT + "\"");
        JsonNode bible = embed("{\"model\": \"bible\", \"input\": \"" + TEXT + "\"}");
        assertEquals("bible", bible.get("model").asText());
        assertArrayEquals(kjv, vector(bible.get("data").get(0)));
        assertFalse(java.util.Arrays.equals(kjv, single("pydocs", "\"" + TEXT + "\"")));
        int width = kjv.length;
        assertArrayEquals(kjv, single("kjv", "\"" + TEXT + "\", \"dimensions\": " + width),
                "the model's own width is honoured");
    }

    @Test
    void embeddingsAndAGenerationRunSideBySide() throws Exception {
        String chat = """
                {"model": "experts", "messages": [{"role": "user", "content": "And God said"}], "max_tokens": 24,
                 "temperature": 0, "stream": true}""";
        CompletableFuture<HttpResponse<Stream<String>>> streamed = CompletableFuture.supplyAsync(
                () -> http.sendLines(http.request("/v1/chat/completions").POST(HttpRequest.BodyPublishers.ofString(chat))));
        List<CompletableFuture<float[]>> embeddings = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            embeddings.add(CompletableFuture.supplyAsync(() -> single("kjv", "\"" + TEXT + "\"")));
        }
        float[] alone = single("kjv", "\"" + TEXT + "\"");
        for (CompletableFuture<float[]> embedding : embeddings) {
            assertArrayEquals(alone, embedding.get(120, TimeUnit.SECONDS));
        }
        List<String> lines = streamed.get(120, TimeUnit.SECONDS).body().toList();
        assertTrue(lines.contains("data: [DONE]"), String.join("\n", lines));
    }

    @Test
    void refusesWhatItCannotEmbedAndStaysUp() {
        String error;
        error = HttpProbe.assertError(http.post(PATH, "{\"model\": \"experts\", \"input\": \"x\"}"), 400, "model",
                "invalid_value").get("message").asText();
        assertTrue(error.contains("fused collaboration"), error);
        error = HttpProbe.assertError(http.post(PATH, "{\"model\": \"pick\", \"input\": \"x\"}"), 400, "model",
                "invalid_value").get("message").asText();
        assertTrue(error.contains("orchestration"), error);
        HttpProbe.assertError(http.post(PATH, "{\"input\": \"x\"}"), 400, "model", "missing_required_parameter");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"nobody\", \"input\": \"x\"}"), 404, "model",
                "model_not_found");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\"}"), 400, "input", "missing_required_parameter");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": \"\"}"), 400, "input", "invalid_value");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": []}"), 400, "input", "invalid_value");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [[]]}"), 400, "input", "invalid_value");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [\"a\", \"\"]}"), 400, "input",
                "invalid_value");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": 5}"), 400, "input", "invalid_type");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [1, \"a\"]}"), 400, "input[1]",
                "invalid_type");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [1.5]}"), 400, "input[0]",
                "invalid_type");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [\"a\", {\"b\": 1}]}"), 400,
                "input[1]", "invalid_type");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [[1, 2], [3, true]]}"), 400,
                "input[1][1]", "invalid_type");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [1, 99999999]}"), 400, "input",
                "invalid_value");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [-1]}"), 400, "input", "invalid_value");
        String tooLong = "And God said, Let there be light: and there was light. ".repeat(20);
        error = HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [\"x\", \"" + tooLong + "\"]}"),
                400, "input", "context_length_exceeded").get("message").asText();
        assertTrue(error.contains("maximum context length is " + CONTEXT), error);
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": \"x\", \"dimensions\": 7}"), 400,
                "dimensions", "invalid_value");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": \"x\", \"dimensions\": 0}"), 400,
                "dimensions", "invalid_value");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": \"x\", \"encoding_format\": \"int8\"}"),
                400, "encoding_format", "invalid_value");
        HttpProbe.assertError(http.post(PATH, "{\"model\": \"kjv\", \"input\": [" + "\"a\",".repeat(2048) + "\"a\"]}"),
                400, "input", "invalid_value");
        HttpProbe.assertError(http.post(PATH, "[1, 2]"), 400, null, "invalid_json");
        assertTrue(single("kjv", "\"still up\"").length > 0, "the server still answers");
    }

    @Test
    void propsDescribeEachServedNameInLlamaServersShape() throws IOException {
        JsonNode kjv = HttpProbe.json(http.get("/props?model=kjv").body());
        assertEquals("kjv", kjv.get("model_alias").asText());
        assertEquals(2, kjv.get("total_slots").asInt());
        assertEquals(CONTEXT, kjv.get("default_generation_settings").get("n_ctx").asInt());
        assertEquals(1.0, kjv.get("default_generation_settings").get("params").get("temperature").asDouble());
        assertTrue(kjv.get("model_path").asText().endsWith(".gguf"), kjv.toString());
        assertFalse(kjv.get("chat_template").asText().isEmpty());
        assertTrue(kjv.get("build_info").asText().contains("llama.cpp v0.5.0"), kjv.get("build_info").asText());
        assertEquals("single", kjv.get("chorus").get("kind").asText());
        assertEquals(32000, kjv.get("chorus").get("n_vocab").asInt());
        assertEquals("mean", kjv.get("chorus").get("embeddings").get("pooling").asText());
        assertEquals(CONTEXT, kjv.get("chorus").get("embeddings").get("max_input_tokens").asInt());
        JsonNode model = kjv.get("chorus").get("models").get(0);
        assertEquals(32000, model.get("n_vocab").asInt());
        assertTrue(model.get("n_params").asLong() > 1_000_000 && model.get("n_ctx_train").asInt() >= CONTEXT, model.toString());
        assertEquals(kjv, HttpProbe.json(http.get("/props").body()), "the first served name without a model");
        JsonNode drafted = HttpProbe.json(http.get("/props?model=bible").body()).get("chorus").get("models");
        assertEquals(List.of(model, "pydocs"), List.of(drafted.get(0), drafted.get(1).get("name").asText()),
                "a drafted single decodes with its model and its draft");

        JsonNode experts = HttpProbe.json(http.get("/props?model=experts").body());
        assertEquals("ensemble", experts.get("chorus").get("kind").asText());
        assertEquals(2, experts.get("chorus").get("models").size());
        assertTrue(experts.get("chorus").get("embeddings").isNull());
        assertFalse(experts.has("model_path"));
        JsonNode pick = HttpProbe.json(http.get("/props?model=pick").body());
        assertEquals("router", pick.get("chorus").get("kind").asText());
        assertFalse(pick.has("total_slots"));
        assertNotEquals(0, pick.get("default_generation_settings").get("n_ctx").asInt());

        HttpProbe.assertError(http.get("/props?model=nobody"), 404, "model", "model_not_found");
        try (RawHttp raw = new RawHttp(served.server())) {
            raw.send("GET /props?model=%zz HTTP/1.1", "", new byte[0]);
            assertEquals("HTTP/1.1 400 Bad Request", raw.statusLine(), "not a URI: the JDK's HTTP layer refuses it");
        }
        assertEquals("kjv", HttpProbe.json(http.get("/props?model=kj%76&x=1").body()).get("model_alias").asText());
        HttpResponse<String> head = http.send(http.request("/props?model=kjv").method("HEAD",
                HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.statusCode());
        assertTrue(head.body().isEmpty());
        HttpResponse<String> cors = http.send(http.request("/props").header("Origin", "http://localhost:5173").GET());
        assertEquals("http://localhost:5173", cors.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    }
}
