package dev.chorus.server.cli;

import dev.chorus.engine.Engine;
import dev.chorus.server.http.ChorusServer;
import dev.chorus.server.http.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chorus demo}: serves the embedded demo config (a single model and a fused ensemble of two
 * experts) on loopback, asks both a question through the official OpenAI JavaScript client, prints the
 * answers and the server's metrics, and stops.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Serve the demo models on loopback, query them through an OpenAI client, print answers and metrics.")
final class DemoCommand implements Callable<Integer> {
    /** The official OpenAI client for JavaScript, installed once from the npm registry. */
    private static final String CLIENT_PACKAGE = "openai@7.57.0";
    private static final String CLIENT_SCRIPT = "demo-client.mjs";

    @Option(names = "--prompt", defaultValue = "And the LORD spake unto Moses, saying,",
            description = "the user message sent to each model (default: ${DEFAULT-VALUE})")
    String prompt;

    @Option(names = "--models", split = ",", defaultValue = "kjv,experts",
            description = "models and collaborations to ask, in order (default: ${DEFAULT-VALUE})")
    List<String> models;

    @Override
    public Integer call() throws Exception {
        Path client = installClient();
        ConfigOption demoConfig = new ConfigOption();
        try (Engine engine = Loading.start(demoConfig.resolve(), System.err);
             ChorusServer server = ChorusServer.start(ServerOptions.of("127.0.0.1", 0), engine)) {
            String base = "http://127.0.0.1:" + server.port();
            System.out.println("Chorus is serving " + engine.collaborations() + " at " + base + "/v1");
            for (String model : models) {
                System.out.println();
                System.out.println("── " + model + " " + describe(engine, model) + " ──");
                System.out.println("user: " + prompt);
                System.out.print("assistant: ");
                System.out.flush();
                runClient(client, base + "/v1", model);
            }
            System.out.println();
            System.out.println("── GET /metrics (chorus series) ──");
            metrics(base).lines().filter(line -> line.startsWith("chorus_") && !line.contains("_bucket"))
                    .forEach(System.out::println);
        }
        return 0;
    }

    private static String describe(Engine engine, String model) {
        var collaboration = engine.config().collaboration(model);
        return "(" + collaboration.kind().configName() + " of " + String.join(" + ", collaboration.models()) + ")";
    }

    /** Installs the OpenAI client and the demo script into the user's cache once; returns the script. */
    private static Path installClient() throws IOException, InterruptedException {
        Path folder = Path.of(System.getProperty("user.home"), ".cache", "chorus", "demo-client");
        Path script = folder.resolve(CLIENT_SCRIPT);
        Files.createDirectories(folder);
        try (InputStream source = DemoCommand.class.getResourceAsStream(CLIENT_SCRIPT)) {
            Files.copy(source, script, StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(folder.resolve("node_modules/openai"))) {
            System.err.println("chorus: installing the OpenAI client (" + CLIENT_PACKAGE + ") with npm ...");
            run(List.of("npm", "install", "--prefix", folder.toString(), "--no-audit", "--no-fund", "--silent",
                    CLIENT_PACKAGE), "npm (install it: apt-get install npm)");
        }
        return script;
    }

    private void runClient(Path script, String baseUrl, String model) throws IOException, InterruptedException {
        run(List.of("node", script.toString(), baseUrl, model, prompt), "node (install it: apt-get install nodejs)");
    }

    private static void run(List<String> command, String what) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            throw new IOException("cannot run " + what + ": " + e.getMessage(), e);
        }
        int status = process.waitFor();
        if (status != 0) {
            throw new IOException(command.getFirst() + " exited with status " + status);
        }
    }

    private static String metrics(String base) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }
}
