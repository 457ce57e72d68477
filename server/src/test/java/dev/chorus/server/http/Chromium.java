package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A headless Chromium driven through chromedriver's W3C WebDriver protocol (plain HTTP and JSON: no client library,
 * no browser download). The system's {@code chromium} and {@code chromedriver} (Debian's {@code chromium} and
 * {@code chromium-driver}, which {@code scripts/install-deps.sh} installs) are found on the {@code PATH}.
 */
final class Chromium implements AutoCloseable {
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final Process driver;
    private final URI session;

    private Chromium(Process driver, URI session) {
        this.driver = driver;
        this.session = session;
    }

    /** The browser and driver executables, or empty naming what is missing. */
    static Optional<String> missing() {
        List<String> absent = Stream.of("chromium", "chromedriver").filter(name -> find(name).isEmpty()).toList();
        return absent.isEmpty() ? Optional.empty() : Optional.of("no " + String.join(" or ", absent)
                + " on the PATH (Debian: apt-get install chromium chromium-driver; scripts/install-deps.sh does)");
    }

    /** Starts chromedriver on a free loopback port and opens a headless browser window of the given size. */
    static Chromium start(int width, int height) {
        int port = freePort();
        Process driver;
        try {
            driver = new ProcessBuilder(find("chromedriver").orElseThrow().toString(), "--port=" + port)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start chromedriver", e);
        }
        try {
            URI base = URI.create("http://127.0.0.1:" + port);
            waitFor(() -> ready(base), "chromedriver to listen on " + port);
            ObjectNode capabilities = Json.object();
            ObjectNode chrome = capabilities.putObject("capabilities").putObject("alwaysMatch")
                    .put("browserName", "chrome").putObject("goog:chromeOptions")
                    .put("binary", find("chromium").orElseThrow().toString());
            ArrayNode args = chrome.putArray("args");
            for (String arg : List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--window-size=" + width + "," + height)) {
                args.add(arg);
            }
            JsonNode created = call("POST", base.resolve("/session"), capabilities);
            return new Chromium(driver, base.resolve("/session/" + created.get("value").get("sessionId").asText() + "/"));
        } catch (RuntimeException e) {
            driver.destroy();
            throw e;
        }
    }

    void open(String url) {
        command("POST", "url", Json.object().put("url", url));
    }

    /** The first element matching a CSS selector, waiting for it to appear. */
    String element(String css) {
        String[] found = new String[1];
        waitFor(() -> {
            JsonNode value = elements(css);
            found[0] = value.isEmpty() ? null : value.get(0).get(ELEMENT).asText();
            return found[0] != null;
        }, "an element '" + css + "'");
        return found[0];
    }

    int count(String css) {
        return elements(css).size();
    }

    void click(String css) {
        command("POST", "element/" + element(css) + "/click", Json.object());
    }

    /** Replaces an input's value by typing, as a user would. */
    void type(String css, String text) {
        String element = element(css);
        command("POST", "element/" + element + "/clear", Json.object());
        command("POST", "element/" + element + "/value", Json.object().put("text", text));
    }

    /** Moves the mouse over the element's centre. */
    void hover(String css) {
        ObjectNode actions = Json.object();
        ObjectNode pointer = actions.putArray("actions").addObject().put("type", "pointer").put("id", "mouse");
        pointer.putObject("parameters").put("pointerType", "mouse");
        ObjectNode move = pointer.putArray("actions").addObject().put("type", "pointerMove").put("duration", 0)
                .put("x", 0).put("y", 0);
        move.putObject("origin").put(ELEMENT, element(css));
        command("POST", "actions", actions);
    }

    /** Runs a script in the page (its {@code return} value comes back as JSON). */
    JsonNode script(String body, Object... args) {
        ObjectNode request = Json.object().put("script", body);
        ArrayNode array = request.putArray("args");
        for (Object arg : args) {
            array.addPOJO(arg);
        }
        return command("POST", "execute/sync", request);
    }

    /** Waits until {@code condition}, a script expression, is true in the page. */
    void waitUntil(String condition) {
        waitFor(() -> script("return Boolean(" + condition + ");").asBoolean(), "'" + condition + "'");
    }

    /** Saves the page as a PNG, atomically. */
    void screenshot(Path file) {
        byte[] png = Base64.getDecoder().decode(command("GET", "screenshot", null).asText());
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path partial = file.resolveSibling(file.getFileName() + ".partial");
            Files.write(partial, png);
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            call("DELETE", session, null);
        } catch (RuntimeException ignored) {
            // The driver going away below ends the browser too.
        } finally {
            driver.destroy();
        }
    }

    private JsonNode elements(String css) {
        return command("POST", "elements", Json.object().put("using", "css selector").put("value", css));
    }

    private JsonNode command(String method, String path, JsonNode body) {
        return call(method, session.resolve(path), body).get("value");
    }

    private static JsonNode call(String method, URI uri, JsonNode body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString());
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(WAIT).header("Content-Type", "application/json")
                .method(method, publisher).build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json = HttpProbe.json(response.body());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("WebDriver " + method + " " + uri + " failed: " + response.body());
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("WebDriver " + method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean ready(URI base) {
        try {
            return HTTP.send(HttpRequest.newBuilder(base.resolve("/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Path> find(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(folder -> !folder.isEmpty())
                .map(folder -> Path.of(folder, name))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
