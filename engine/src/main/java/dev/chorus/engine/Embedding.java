package dev.chorus.engine;

/**
 * The embedding of one input.
 *
 * @param vector the model's pooled vector, L2-normalised
 * @param tokens the tokens the model read for it
 */
public record Embedding(float[] vector, int tokens) {
    public Embedding {
        vector = vector.clone();
    }

    @Override
    public float[] vector() {
        return vector.clone();
    }
}
