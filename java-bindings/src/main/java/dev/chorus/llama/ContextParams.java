package dev.chorus.llama;

/**
 * How to create a context.
 *
 * @param contextSize tokens of memory, shared by all sequences
 * @param batchSize most tokens one {@code decode} accepts
 * @param ubatchSize most tokens computed at once (at most {@code batchSize})
 * @param sequences distinct sequences (llama.cpp sequence ids {@code 0..sequences-1}), 1 to 256
 * @param threads CPU threads for both single-token and batch decoding
 * @param flashAttention flash attention use
 */
public record ContextParams(int contextSize, int batchSize, int ubatchSize, int sequences, int threads,
        FlashAttention flashAttention) {

    /** {@code LLAMA_MAX_SEQ} in llama.cpp v0.5.0. */
    public static final int MAX_SEQUENCES = 256;

    public ContextParams {
        requirePositive(contextSize, "contextSize");
        requirePositive(batchSize, "batchSize");
        requirePositive(ubatchSize, "ubatchSize");
        requirePositive(threads, "threads");
        if (ubatchSize > batchSize) {
            throw new IllegalArgumentException("ubatchSize " + ubatchSize + " exceeds batchSize " + batchSize);
        }
        if (sequences < 1 || sequences > MAX_SEQUENCES) {
            throw new IllegalArgumentException("sequences must be 1 to " + MAX_SEQUENCES + ", got " + sequences);
        }
        if (flashAttention == null) {
            throw new IllegalArgumentException("flashAttention must be given");
        }
    }

    /** One sequence, batch and ubatch of {@code min(contextSize, 512)}, flash attention on auto. */
    public static ContextParams of(int contextSize, int threads) {
        int batch = Math.min(contextSize, 512);
        return new ContextParams(contextSize, batch, batch, 1, threads, FlashAttention.AUTO);
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
