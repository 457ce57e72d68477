package dev.chorus.engine.merge;

import dev.chorus.gguf.GgufFile;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Refuses inputs that cannot merge before anything is written: every file must have the architecture
 * and the vocabulary (token by token) of the metadata source.
 */
final class MergeInputsCheck {

    static final String ARCHITECTURE = "general.architecture";
    static final String TOKENS = "tokenizer.ggml.tokens";

    private MergeInputsCheck() {
    }

    static void requireCompatible(GgufFile reference, Map<?, GgufFile> files) {
        String architecture = reference.getString(ARCHITECTURE);
        List<String> tokens = reference.contains(TOKENS) ? reference.getStringArray(TOKENS) : List.of();
        for (GgufFile file : files.values()) {
            if (file == reference) {
                continue;
            }
            String other = file.getString(ARCHITECTURE);
            if (!architecture.equals(other)) {
                throw new IllegalArgumentException("architectures differ: " + reference.path() + " is " + architecture
                        + ", " + file.path() + " is " + other);
            }
            List<String> otherTokens = file.contains(TOKENS) ? file.getStringArray(TOKENS) : List.of();
            if (otherTokens.size() != tokens.size()) {
                throw new IllegalArgumentException("vocabularies differ: " + reference.path() + " has " + tokens.size()
                        + " tokens, " + file.path() + " has " + otherTokens.size());
            }
            for (int token = 0; token < tokens.size(); token++) {
                if (!Objects.equals(tokens.get(token), otherTokens.get(token))) {
                    throw new IllegalArgumentException("vocabularies differ at token " + token + ": '" + tokens.get(token)
                            + "' in " + reference.path() + ", '" + otherTokens.get(token) + "' in " + file.path());
                }
            }
        }
    }

    /** {@code <architecture>.block_count}, the number of transformer layers. */
    static int blockCount(GgufFile file) {
        return file.getInt(file.getString(ARCHITECTURE) + ".block_count");
    }
}
