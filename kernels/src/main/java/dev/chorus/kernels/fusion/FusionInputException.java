package dev.chorus.kernels.fusion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Logits the fusion cannot use: NaN or {@code +∞}, a member row that is entirely {@code −∞}, or a fused
 * distribution with no finite entry. Names the member (−1 for the fused distribution), the sequence row
 * and the first offending token index (−1 where no single token is at fault).
 */
public class FusionInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The member index used when the fault lies in the fused distribution rather than one member. */
    public static final int FUSED = -1;

    private final int member;
    private final int sequence;
    private final int tokenIndex;

    public FusionInputException(int member, int sequence, int tokenIndex, String problem) {
        super((member == FUSED ? "fused distribution" : "member " + member) + ", sequence " + sequence
                + (tokenIndex >= 0 ? ", token " + tokenIndex : "") + ": " + problem);
        this.member = member;
        this.sequence = sequence;
        this.tokenIndex = tokenIndex;
    }

    /** Member m whose logits are bad, or {@link #FUSED}. */
    public int member() {
        return member;
    }

    /** The batch row b. */
    public int sequence() {
        return sequence;
    }

    /** The first offending token index, or −1. */
    public int tokenIndex() {
        return tokenIndex;
    }

    /**
     * The exception for a member row already known to be unusable: finds the first NaN or {@code +∞} in
     * {@code vocabSize} floats at element {@code rowOffset} of {@code logits}, or reports the row as all {@code −∞}.
     * Backends call this after a cheap reduction (a max that is NaN, {@code +∞} or {@code −∞}) flagged the row.
     */
    public static FusionInputException forRow(int member, int sequence, MemorySegment logits, long rowOffset,
                                              int vocabSize) {
        for (int i = 0; i < vocabSize; i++) {
            float value = logits.getAtIndex(ValueLayout.JAVA_FLOAT, rowOffset + i);
            if (Float.isNaN(value)) {
                return new FusionInputException(member, sequence, i, "NaN logit");
            }
            if (value == Float.POSITIVE_INFINITY) {
                return new FusionInputException(member, sequence, i, "+inf logit");
            }
        }
        return new FusionInputException(member, sequence, -1, "every logit is -inf");
    }
}
