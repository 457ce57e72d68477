package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.chorus.engine.Generation;
import dev.chorus.engine.ServedModel;
import dev.chorus.engine.Usage;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: reads and validates the body, admits every
 * choice into the engine, answers whole or streamed, and cancels every choice on the way out, so a client that
 * goes away, a deadline or an error always frees the slots.
 */
final class CompletionHandler implements ExchangeHandler {

    /** Turns a body into a request: the chat or the legacy field set. */
    @FunctionalInterface
    interface Parser {
        CompletionRequest parse(ObjectNode body) throws ApiException;
    }

    private final Parser parser;
    private final ResponseShape shape;
    private final CompletionBackend backend;
    private final ServedModels models;
    private final ServerMetrics metrics;
    private final long maxBodyBytes;
    private final Duration timeout;

    CompletionHandler(Parser parser, ResponseShape shape, CompletionBackend backend, ServedModels models,
                      ServerMetrics metrics, ServerOptions options) {
        this.parser = parser;
        this.shape = shape;
        this.backend = backend;
        this.models = models;
        this.metrics = metrics;
        this.maxBodyBytes = options.maxBodyBytes();
        this.timeout = options.requestTimeout();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException, ApiException {
        CompletionRequest request = parser.parse(RequestBody.readObject(exchange, maxBodyBytes));
        ServedModel model = models.find(request.model());
        Router.served(model.id());
        long admitted = System.nanoTime();
        List<Generation> generations = admit(request, model);
        try {
            List<ChoiceReader> choices = new ArrayList<>(generations.size());
            for (int index = 0; index < generations.size(); index++) {
                choices.add(new ChoiceReader(generations.get(index), admitted, admitted + timeout.toNanos(), metrics,
                        model.id(), index == 0));
            }
            Answer answer = new Answer(shape.idPrefix() + UUID.randomUUID().toString().replace("-", ""),
                    System.currentTimeMillis() / 1000, request, shape, token -> backend.tokenBytes(model, token));
            Optional<Usage> usage;
            try {
                usage = request.stream() ? StreamedAnswer.send(exchange, answer, choices)
                        : Optional.of(WholeAnswer.send(exchange, answer, choices));
            } catch (IOException clientGone) {
                metrics.disconnect(model.id());
                throw clientGone;
            }
            usage.ifPresent(counts -> metrics.tokens(model.id(), counts));
        } finally {
            generations.forEach(Generation::cancel);
            metrics.requestDuration(model.id(), (System.nanoTime() - admitted) * 1e-9);
        }
    }

    /** Starts every choice; if one cannot start, the ones already started are cancelled. */
    private List<Generation> admit(CompletionRequest request, ServedModel model) throws ApiException {
        int contextTokens = backend.contextTokens(model);
        List<Generation> generations = new ArrayList<>(request.choices());
        try {
            for (int index = 0; index < request.choices(); index++) {
                Generation generation = backend.start(model, request.generation(index, contextTokens));
                generation.completion().thenAccept(ended -> {
                    metrics.generationEnded(model.id(), ended.reason());
                    metrics.orchestrated(model, generation.memberReports());
                });
                generations.add(generation);
            }
        } catch (ApiException | RuntimeException e) {
            generations.forEach(Generation::cancel);
            throw e;
        }
        return generations;
    }
}
