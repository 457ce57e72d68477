package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI JavaScript client against the running server (scripts in {@code src/test/node}, the client
 * installed once with npm into {@code ~/.cache/chorus/npm-clients}): structured outputs with
 * {@code client.chat.completions.parse}, every answer validated against its JSON schema with Ajv, and
 * {@code client.embeddings.create}.
 */
@Timeout(900)
class NpmClientTest {
    /** The client packages, pinned. */
    static final List<String> PACKAGES = List.of("openai@7.57.0", "ajv@8.17.1");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServedEngine served;
    private static Path clients;

    @BeforeAll
    static void start(@TempDir Path folder) throws IOException, InterruptedException {
        clients = installClients();
        served = ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: 512, slots: 4 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 512, slots: 4 }
                collaborations:
                  experts: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                scheduler: { max_queued: 16 }
                """, ServedEngine.loopback());
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void parseReturnsSchemaValidObjectsFromASingleModelAndAFusedEnsemble() throws Exception {
        JsonNode results = node("structured-output.mjs", "25", "kjv", "experts");
        for (String model : List.of("kjv", "experts")) {
            JsonNode result = results.get(model);
            assertEquals(25, result.get("valid").asInt(), model + ": " + result);
            assertTrue(result.get("distinct").asInt() > 1, model + ": seeds give different answers: " + result);
        }
    }

    @Test
    void embeddingsCreateReturnsTheServersVectorsDecodedFromBase64AndAsFloats() throws Exception {
        List<String> inputs = List.of("In the beginning God created the heaven and the earth.", "import os");
        JsonNode raw = HttpProbe.json(new HttpProbe(served.server()).post("/v1/embeddings",
                "{\"model\": \"kjv\", \"input\": " + JSON.valueToTree(inputs) + "}").body());
        List<String> arguments = new ArrayList<>(List.of("kjv", "experts"));
        arguments.addAll(inputs);
        JsonNode result = node("embeddings.mjs", arguments.toArray(String[]::new));
        assertEquals("kjv", result.get("model").asText());
        assertEquals(raw.get("usage").get("prompt_tokens").asInt(), result.get("promptTokens").asInt());
        for (String encoding : List.of("byDefault", "floats")) {
            for (int i = 0; i < inputs.size(); i++) {
                JsonNode expected = raw.get("data").get(i).get("embedding");
                JsonNode got = result.get(encoding).get(i);
                assertEquals(expected.size(), got.size(), encoding);
                for (int d = 0; d < expected.size(); d++) {
                    assertEquals(expected.get(d).floatValue(), got.get(d).floatValue(), encoding + " " + i + "/" + d);
                }
            }
        }
        assertEquals(400, result.get("refusedStatus").asInt(), "a fused ensemble has no embeddings");
    }

    /** Runs a script of {@code src/test/node} with the server's base URL first; returns its last line as JSON. */
    private static JsonNode node(String script, String... arguments) throws IOException, InterruptedException {
        Path copy = clients.resolve(script);
        Files.copy(Path.of("src/test/node", script), copy, StandardCopyOption.REPLACE_EXISTING);
        List<String> command = new ArrayList<>(List.of("node", copy.toString(),
                "http://127.0.0.1:" + served.server().port() + "/v1"));
        command.addAll(List.of(arguments));
        String output = run(command, clients);
        String[] lines = output.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    /** Installs {@link #PACKAGES} once per machine; returns the folder whose node_modules holds them. */
    private static Path installClients() throws IOException, InterruptedException {
        Path folder = Path.of(System.getProperty("user.home"), ".cache", "chorus", "npm-clients");
        Files.createDirectories(folder);
        Path marker = folder.resolve("installed.txt");
        String wanted = String.join("\n", PACKAGES);
        if (!Files.exists(marker) || !Files.readString(marker).equals(wanted)) {
            List<String> command = new ArrayList<>(List.of("npm", "install", "--prefix", folder.toString(),
                    "--no-audit", "--no-fund", "--silent"));
            command.addAll(PACKAGES);
            run(command, folder);
            Files.writeString(marker, wanted);
        }
        return folder;
    }

    private static String run(List<String> command, Path directory) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
        }
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + text);
        return text;
    }
}
