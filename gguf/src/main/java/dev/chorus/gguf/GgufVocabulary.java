package dev.chorus.gguf;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The tokenizer a GGUF file declares: its model ({@code tokenizer.ggml.model}), its tokens and their types.
 * Members of one logit-level collaboration must agree on all three, token by token, or fusing their logits
 * would add up scores of different strings.
 */
public record GgufVocabulary(String tokenizerModel, List<String> tokens, List<GgufValue> tokenTypes) {
    public static final String MODEL_KEY = "tokenizer.ggml.model";
    public static final String TOKENS_KEY = "tokenizer.ggml.tokens";
    public static final String TYPES_KEY = "tokenizer.ggml.token_type";

    public GgufVocabulary {
        Objects.requireNonNull(tokenizerModel, "tokenizerModel");
        tokens = List.copyOf(tokens);
        tokenTypes = List.copyOf(tokenTypes);
    }

    /** Reads the vocabulary of an open GGUF file; a file without tokens has none to share. */
    public static GgufVocabulary read(GgufFile gguf) {
        if (!gguf.contains(TOKENS_KEY)) {
            throw new IllegalArgumentException("it has no " + TOKENS_KEY + " (no vocabulary)");
        }
        return new GgufVocabulary(
                gguf.find(MODEL_KEY).map(value -> gguf.getString(MODEL_KEY)).orElse("(none)"),
                gguf.getStringArray(TOKENS_KEY),
                gguf.find(TYPES_KEY).map(value -> gguf.getArray(TYPES_KEY).elements()).orElse(List.of()));
    }

    /**
     * The first way {@code this} (of model {@code name}) differs from {@code reference} (of model
     * {@code referenceName}), in words; empty when the two are the same vocabulary.
     */
    public Optional<String> firstDifference(String name, GgufVocabulary reference, String referenceName) {
        if (!tokenizerModel.equals(reference.tokenizerModel)) {
            return Optional.of("tokenizer '" + tokenizerModel + "' of " + name + " differs from '"
                    + reference.tokenizerModel + "' of " + referenceName);
        }
        int shared = Math.min(tokens.size(), reference.tokens.size());
        for (int id = 0; id < shared; id++) {
            if (!tokens.get(id).equals(reference.tokens.get(id))) {
                return Optional.of("token " + id + " is " + quote(tokens.get(id)) + " in " + name + " but "
                        + quote(reference.tokens.get(id)) + " in " + referenceName);
            }
        }
        if (tokens.size() != reference.tokens.size()) {
            return Optional.of(name + " has " + tokens.size() + " tokens, " + referenceName + " has "
                    + reference.tokens.size());
        }
        for (int id = 0; id < Math.min(tokenTypes.size(), reference.tokenTypes.size()); id++) {
            if (!tokenTypes.get(id).equals(reference.tokenTypes.get(id))) {
                return Optional.of("token " + id + " " + quote(tokens.get(id)) + " has type " + tokenTypes.get(id)
                        + " in " + name + " but " + reference.tokenTypes.get(id) + " in " + referenceName);
            }
        }
        if (tokenTypes.size() != reference.tokenTypes.size()) {
            return Optional.of(name + " declares " + tokenTypes.size() + " token types, " + referenceName
                    + " declares " + reference.tokenTypes.size());
        }
        return Optional.empty();
    }

    private static String quote(String token) {
        StringBuilder quoted = new StringBuilder("\"");
        token.codePoints().forEach(c -> quoted.append(c < 0x20 || c == '"' || c == '\\'
                ? String.format("\\u%04x", c) : Character.toString(c)));
        return quoted.append('"').toString();
    }
}
