package dev.chorus.engine;

/**
 * Gated fusion's counts, of one generation or of a collaboration since it started.
 *
 * @param tokens     tokens decided (delivered) by the gated collaboration
 * @param leadTokens of those, the ones its lead decided alone, the fusion skipped
 */
public record GateStats(long tokens, long leadTokens) {
    public static final GateStats NONE = new GateStats(0, 0);

    public GateStats {
        if (tokens < 0 || leadTokens < 0 || leadTokens > tokens) {
            throw new IllegalArgumentException("need 0 <= lead tokens <= tokens: " + leadTokens + ", " + tokens);
        }
    }

    /** The skipped-fusion share: lead tokens over tokens, 0 before any token. */
    public double skippedShare() {
        return tokens == 0 ? 0 : (double) leadTokens / tokens;
    }
}
