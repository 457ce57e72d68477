package dev.chorus.engine;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A finished generation: the text (stop string excluded), the sampled tokens, why it ended and its usage. */
public record Completion(String text, List<Integer> tokens, FinishReason reason, Usage usage, Optional<String> error) {
    public Completion {
        Objects.requireNonNull(text, "text");
        tokens = List.copyOf(tokens);
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(error, "error");
    }
}
