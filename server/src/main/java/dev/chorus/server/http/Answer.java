package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.function.IntFunction;

/**
 * What every object of one answer shares: its id (the same in every chunk), creation time, request and shape.
 *
 * @param created    seconds since the epoch
 * @param tokenBytes a token's piece bytes in the served model's vocabulary
 */
record Answer(String id, long created, CompletionRequest request, ResponseShape shape,
              IntFunction<byte[]> tokenBytes) {

    /** The envelope of the whole answer or of one chunk, with an empty {@code choices} array. */
    ObjectNode envelope(boolean chunk) {
        ObjectNode envelope = shape.envelope(id, created, request.model(), chunk);
        if (chunk && request.includeUsage()) {
            envelope.putNull("usage");
        }
        return envelope;
    }
}
