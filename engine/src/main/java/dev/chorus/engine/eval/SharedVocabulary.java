package dev.chorus.engine.eval;

import dev.chorus.llama.Vocab;

/**
 * Collaborations evaluated together score the same token ids, so every model they load must have the same
 * vocabulary, token by token (the config validator checks this only within each collaboration).
 */
final class SharedVocabulary {
    private SharedVocabulary() {
    }

    static void require(Vocab reference, String referenceName, Vocab other, String otherName) {
        if (other.size() != reference.size()) {
            throw new IllegalArgumentException("model '" + otherName + "' has " + other.size() + " tokens, '"
                    + referenceName + "' has " + reference.size() + ": evaluate them in separate runs");
        }
        for (int token = 0; token < reference.size(); token++) {
            if (!other.tokenText(token).equals(reference.tokenText(token))) {
                throw new IllegalArgumentException("token " + token + " of model '" + otherName
                        + "' differs from that of '" + referenceName + "': evaluate them in separate runs");
            }
        }
    }
}
