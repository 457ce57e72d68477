/**
 * The OpenAI-compatible HTTP API of Chorus: {@code GET /v1/models}, {@code POST /v1/chat/completions},
 * {@code POST /v1/completions} (whole or as server-sent events), {@code GET /health} and {@code GET /metrics}.
 *
 * <p>Start it with {@link dev.chorus.server.http.ChorusServer#start(ServerOptions, dev.chorus.engine.Engine)}.
 * It runs on the JDK's own {@code com.sun.net.httpserver} with one virtual thread per exchange: a request that waits
 * for the engine holds no platform thread, it adds no dependency, and its HTTP/1.1 served every client the
 * architecture notes checked (openai-java, the npm client, Spring AI); this module's tests drive it with openai-java.
 * Jackson reads and writes the JSON.
 *
 * <p>The seams: {@code Router} (paths, methods, the key, errors, request metrics) → {@code CompletionHandler}
 * (body, validation by {@code CompletionRequestParser} and {@code RequestFields}, admission of every choice into
 * the engine through {@code CompletionBackend}) → {@code WholeAnswer} or {@code StreamedAnswer}, which read each
 * choice with a {@code ChoiceReader} (deadline, keep-alives, timings) and shape JSON with a {@code ResponseShape}.
 * Every path out of a completion cancels its generations, so slots are never leaked.
 */
package dev.chorus.server.http;
