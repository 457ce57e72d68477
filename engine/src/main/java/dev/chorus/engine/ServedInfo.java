package dev.chorus.engine;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a served name is, for {@code /props} (llama-server's server properties, one served name at a time).
 *
 * @param contextTokens       the most prompt plus completion tokens one request may use
 * @param slots               requests it runs at once; empty for an orchestration, which has no slots of its own
 * @param vocabularySize      the vocabulary its members share; empty for an orchestration without local members
 * @param chatTemplate        the chat template its prompts are rendered with (a llama.cpp built-in's name, or the
 *                            model's Jinja text); empty for an orchestration
 * @param bosToken            the text of the beginning-of-sequence token, when the vocabulary has one
 * @param eosToken            the text of the end-of-sequence token, when the vocabulary has one
 * @param embeddingDimensions the length of its {@code /v1/embeddings} vectors; empty when it has none (a fused
 *                            collaboration, an orchestration, a reranker)
 * @param models              the loaded models it decodes with (a draft last); empty for an orchestration
 */
public record ServedInfo(int contextTokens, OptionalInt slots, OptionalInt vocabularySize, Optional<String> chatTemplate,
                         Optional<String> bosToken, Optional<String> eosToken, OptionalInt embeddingDimensions,
                         List<ModelInfo> models) {
    public ServedInfo {
        models = List.copyOf(models);
    }
}
