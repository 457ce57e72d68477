package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code GET /chorus/eval}: the {@code chorus eval --json} results the server was pointed at
 * ({@code --eval-results}), read on each request so a later run shows without a restart. 404 when none is configured
 * or the file is not there yet; a file that is not JSON is a 500 naming it.
 */
final class EvalResultsHandler implements ExchangeHandler {
    static final String PATH = "/chorus/eval";
    private static final long MAX_BYTES = 16 << 20;

    private final Optional<Path> file;

    EvalResultsHandler(Optional<Path> file) {
        this.file = file;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException, ApiException {
        if (file.isEmpty()) {
            throw notFound("No evaluation results are configured (chorus serve --eval-results FILE.json).");
        }
        Path path = file.get();
        JsonNode results;
        try {
            if (Files.size(path) > MAX_BYTES) {
                throw unreadable(path, "it is larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            results = Json.MAPPER.readTree(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            throw notFound("The evaluation results file " + path.getFileName() + " does not exist yet.");
        } catch (IOException e) {
            throw unreadable(path, e.getMessage());
        }
        if (results == null || !results.isObject()) {
            throw unreadable(path, "it holds no JSON object");
        }
        Responses.json(exchange, 200, results);
    }

    private static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", null, "not_found", message);
    }

    private static ApiException unreadable(Path path, String reason) {
        return new ApiException(500, "server_error", null, "eval_results_unreadable",
                "The evaluation results file " + path.getFileName() + " cannot be served: " + reason + ".");
    }
}
