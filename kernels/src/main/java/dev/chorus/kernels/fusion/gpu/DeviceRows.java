package dev.chorus.kernels.fusion.gpu;

import static dev.chorus.kernels.fusion.gpu.DeviceLayout.*;

import dev.chorus.kernels.fusion.FusionInputException;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.SamplingParams;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Translates a {@link FusionStep} into the kernels' per-row parameter words and history, and their result
 * words back into a {@link FusionResult} (or the {@link FusionInputException} a flagged row calls for).
 * Host segments are the pinned or mapped staging buffers of a backend; nothing here allocates.
 */
public final class DeviceRows {

    private static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT;

    private final FusionShape shape;
    private final int paramStride;
    private final int resultStride;

    public DeviceRows(FusionShape shape) {
        this.shape = shape;
        this.paramStride = DeviceLayout.paramStride(shape.members());
        this.resultStride = DeviceLayout.resultStride(shape);
    }

    public int paramStride() {
        return paramStride;
    }

    public int resultStride() {
        return resultStride;
    }

    /** Writes rows 0 .. batch − 1 of parameter words to {@code params}. */
    public void packParams(FusionStep step, MemorySegment params) {
        for (int b = 0; b < step.batch(); b++) {
            long base = (long) b * paramStride;
            FusionRule rule = step.rule(b);
            SamplingParams sampling = step.sampling(b);
            put(params, base + P_METHOD, rule.method().ordinal());
            put(params, base + P_TOP_K, sampling.topK());
            put(params, base + P_TOP_N, sampling.topLogprobs());
            put(params, base + P_HISTORY, step.historyLength(b));
            put(params, base + P_STREAM, step.stream(b));
            put(params, base + P_STEP, step.step(b));
            put(params, base + P_SEED_LO, (int) sampling.seed());
            put(params, base + P_SEED_HI, (int) (sampling.seed() >>> 32));
            put(params, base + P_TEMPERATURE, sampling.temperature());
            put(params, base + P_TOP_P, sampling.topP());
            put(params, base + P_MIN_P, sampling.minP());
            put(params, base + P_REPETITION, sampling.repetitionPenalty());
            put(params, base + P_PRESENCE, sampling.presencePenalty());
            put(params, base + P_FREQUENCY, sampling.frequencyPenalty());
            put(params, base + P_LAMBDA, rule.lambda());
            put(params, base + P_LOG_ALPHA, (float) Math.log(rule.alpha()));
            put(params, base + P_PENALISED, penalised(step, b) ? 1 : 0);
            put(params, base + P_BIASED, step.bias(b) != null ? 1 : 0);
            int members = shape.members();
            for (int m = 0; m < members; m++) {
                put(params, base + P_COEFFICIENTS + m, coefficient(rule, m));
                put(params, base + P_COEFFICIENTS + members + m, rule.temperature(m));
                put(params, base + P_COEFFICIENTS + 2 * members + m, (float) rule.offsetShare(m));
            }
        }
    }

    /** Whether any row of the step has a penalty and a history, i.e. whether the history must be uploaded. */
    public boolean anyPenalised(FusionStep step) {
        for (int b = 0; b < step.batch(); b++) {
            if (penalised(step, b)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Copies the bias of every biased row b to {@code vocabSize} floats at row b of {@code bias} and calls
     * {@code upload} with that row's byte offset and length.
     */
    public void packBias(FusionStep step, MemorySegment bias, RowUpload upload) {
        long rowBytes = (long) shape.vocabSize() * Float.BYTES;
        for (int b = 0; b < step.batch(); b++) {
            float[] row = step.bias(b);
            if (row != null) {
                MemorySegment.copy(row, 0, bias, ValueLayout.JAVA_FLOAT, b * rowBytes, row.length);
                upload.bytes(b * rowBytes, rowBytes);
            }
        }
    }

    /** Uploads bytes {@code [offset, offset + length)} of a host staging buffer to the same device offsets. */
    @FunctionalInterface
    public interface RowUpload {
        void bytes(long offset, long length);
    }

    /** Copies rows 0 .. batch − 1 of the packed history ({@code maxHistory} words each) to {@code history}. */
    public void packHistory(FusionStep step, MemorySegment history) {
        MemorySegment.copy(step.history(), 0, history, WORD, 0, step.batch() * shape.maxHistory());
    }

    /**
     * Writes the step's sampled proposals as (target row, draft row, token) triples to {@code proposals} and returns
     * how many there are: the blocks of {@code k_verify}. Greedy proposals need no kernel (see {@link #unpack}).
     */
    public int packProposals(FusionStep step, MemorySegment proposals) {
        int count = 0;
        for (int b = 0; b < step.batch(); b++) {
            if (step.proposal(b) != FusionStep.NO_PROPOSAL && !step.sampling(b).greedy()) {
                put(proposals, 3L * count, b);
                put(proposals, 3L * count + 1, step.draftRow(b));
                put(proposals, 3L * count + 2, step.proposal(b));
                count++;
            }
        }
        return count;
    }

    /**
     * Reads rows 0 .. batch − 1 of {@code results} into {@code result}; a greedy row's proposal is accepted when it
     * is the argmax, a sampled one as {@code k_verify} decided.
     *
     * @param logits the staging buffer the step was fused from, where a flagged row's bad token is found
     * @throws FusionInputException for the first flagged row (in row order, its members before its fused scores)
     */
    public void unpack(MemorySegment results, MemorySegment logits, FusionStep step, FusionResult result) {
        int members = shape.members();
        int maxTop = shape.maxTopLogprobs();
        for (int b = 0; b < step.batch(); b++) {
            long base = (long) b * resultStride;
            for (int m = 0; m < members; m++) {
                if (get(results, base + entropyWord(shape, m) + 2L * members) != 0) {
                    throw FusionInputException.forRow(m, b, logits, shape.rowOffset(m, b), shape.vocabSize());
                }
            }
            if (get(results, base + R_FUSED_BAD) != 0) {
                throw new FusionInputException(FusionInputException.FUSED, b, -1, "no finite fused score");
            }
            result.tokens()[b] = get(results, base + R_TOKEN);
            int proposal = step.proposal(b);
            result.acceptances()[b] = proposal != FusionStep.NO_PROPOSAL && (step.sampling(b).greedy()
                    ? result.tokens()[b] == proposal : get(results, base + R_ACCEPTED) != 0);
            result.logprobs()[b] = getFloat(results, base + R_LOGPROB);
            int count = get(results, base + R_TOP_COUNT);
            result.topCounts()[b] = count;
            for (int j = 0; j < count; j++) {
                result.topTokens()[b * maxTop + j] = get(results, base + R_TOP_TOKENS + j);
                result.topLogprobs()[b * maxTop + j] = getFloat(results, base + R_TOP_TOKENS + maxTop + j);
            }
            for (int m = 0; m < members; m++) {
                result.entropies()[b * members + m] = getFloat(results, base + entropyWord(shape, m));
                result.maxProbs()[b * members + m] = getFloat(results, base + entropyWord(shape, m) + members);
            }
        }
    }

    private static boolean penalised(FusionStep step, int b) {
        return step.sampling(b).penalised() && step.historyLength(b) > 0;
    }

    /**
     * Member m's coefficient: for LINEAR and MAX the log of its normalised weight (in double, so a lone
     * member gets exactly 0) with −∞ for a skipped member; otherwise the weight itself, 0 skipping.
     */
    private static float coefficient(FusionRule rule, int m) {
        if (rule.method() != FusionMethod.LINEAR && rule.method() != FusionMethod.MAX) {
            return rule.weight(m);
        }
        double sum = 0;
        for (int k = 0; k < rule.members(); k++) {
            sum += rule.weight(k);
        }
        return rule.weight(m) == 0 ? Float.NEGATIVE_INFINITY : (float) Math.log(rule.weight(m) / sum);
    }

    private static void put(MemorySegment words, long index, int value) {
        words.setAtIndex(WORD, index, value);
    }

    private static void put(MemorySegment words, long index, float value) {
        words.setAtIndex(WORD, index, Float.floatToRawIntBits(value));
    }

    private static int get(MemorySegment words, long index) {
        return words.getAtIndex(WORD, index);
    }

    private static float getFloat(MemorySegment words, long index) {
        return Float.intBitsToFloat(words.getAtIndex(WORD, index));
    }
}
