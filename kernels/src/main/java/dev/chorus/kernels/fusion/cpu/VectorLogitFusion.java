package dev.chorus.kernels.fusion.cpu;

import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionInputException;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionReference;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.Philox4x32;
import dev.chorus.kernels.fusion.SamplingParams;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code kernels/FUSION.md} on the CPU with the Java Vector API, one sequence after another on the calling
 * thread. Per member: a max pass (which also catches NaN and {@code +∞}) and one exp pass giving the
 * softmax sum, entropy and max-prob. The fused scores {@code f} are kept unnormalised next to their
 * log-sum-exp; penalties touch only history tokens; greedy is an argmax, and sampling adds one exp pass,
 * radix-searched top-k/top-p thresholds and a blocked cumulative scan. Nothing is allocated per step.
 */
final class VectorLogitFusion implements LogitFusion {

    /** Tokens per block of the sampling scan: whole blocks are skipped by their kept mass. */
    private static final int BLOCK = 1024;

    private final FusionShape shape;
    private final int vocab;
    private final int padded;
    private final Arena arena;
    private final MemorySegment logits;
    private final String device;

    private final float[] scores;
    private final float[] probabilities;
    private final float[] draftProbabilities;
    private final double[] blockSums;
    private final int[] counts;
    private final int[] distinct;
    private final float[] original;
    private final ThresholdSearch thresholds;
    private final TopTokens top;
    private final int[] philox = new int[4];
    private final double[] sums = new double[2];

    private final long[] bases;
    private final float[] memberInvT;
    private final float[] memberMax;
    private final float[] memberLse;
    private final double[] memberSum;
    private final int[] active;
    private final float[] activeWeights;
    private final float[] activeInvT;
    private final float[] activeShifts;
    private int activeCount;
    /** The last fused row's log-sum-exp of f and, when it sampled, the kept-probability threshold. */
    private float rowLogSumExp;
    private float keptThreshold;
    private boolean closed;

    VectorLogitFusion(FusionShape shape) {
        this.shape = shape;
        vocab = shape.vocabSize();
        padded = VectorRows.padded(vocab);
        arena = Arena.ofShared();
        logits = arena.allocate(shape.logitCount() * Float.BYTES, 64);
        device = cpuName() + " (Java Vector API, " + VectorRows.SPECIES.vectorBitSize() + "-bit)";
        int members = shape.members();
        scores = new float[padded];
        probabilities = new float[padded];
        draftProbabilities = new float[padded];
        blockSums = new double[(padded + BLOCK - 1) / BLOCK];
        counts = new int[vocab];
        distinct = new int[shape.maxHistory()];
        original = new float[shape.maxHistory()];
        thresholds = new ThresholdSearch(padded);
        top = new TopTokens(shape.maxTopLogprobs());
        bases = new long[members];
        memberInvT = new float[members];
        memberMax = new float[members];
        memberLse = new float[members];
        memberSum = new double[members];
        active = new int[members];
        activeWeights = new float[members];
        activeInvT = new float[members];
        activeShifts = new float[members];
    }

    @Override
    public FusionBackend backend() {
        return FusionBackend.JAVA;
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public FusionShape shape() {
        return shape;
    }

    @Override
    public MemorySegment logits() {
        requireOpen();
        return logits;
    }

    @Override
    public void fuse(FusionStep step, FusionResult result) {
        requireOpen();
        shape.requireFits(step, result);
        step.maskContrastiveExperts(logits);
        for (int b = 0; b < step.batch(); b++) {
            int proposal = step.proposal(b);
            boolean sampledProposal = proposal != FusionStep.NO_PROPOSAL && !step.sampling(b).greedy();
            float draftThreshold = 0f;
            if (sampledProposal) {
                // The proposer's kept distribution Q, before this row's P takes the probabilities buffer.
                fuseRow(step, step.draftRow(b), result);
                System.arraycopy(probabilities, 0, draftProbabilities, 0, padded);
                draftThreshold = keptThreshold;
            }
            fuseRow(step, b, result);
            result.acceptances()[b] = false;
            if (sampledProposal) {
                verifySampled(step, b, proposal, draftThreshold, result);
            } else if (proposal != FusionStep.NO_PROPOSAL) {
                result.acceptances()[b] = result.tokens()[b] == proposal;
            }
        }
    }

    /** FUSION.md step 9 for a sampled row whose P is in {@link #probabilities} and the proposer's Q in {@link #draftProbabilities}. */
    private void verifySampled(FusionStep step, int b, int proposal, float draftThreshold, FusionResult result) {
        double targetMass = VectorRows.sumAtLeast(probabilities, 0, padded, keptThreshold);
        double draftMass = VectorRows.sumAtLeast(draftProbabilities, 0, padded, draftThreshold);
        SamplingParams sampling = step.sampling(b);
        Philox4x32.generate(step.step(b), step.stream(b), 1, 0, (int) sampling.seed(), (int) (sampling.seed() >>> 32),
                philox);
        double residualUniform = Philox4x32.toUniform(philox[0], philox[1]);
        double acceptUniform = Philox4x32.toUniform(philox[2], philox[3]);
        double p = kept(probabilities, proposal, keptThreshold) / targetMass;
        double q = kept(draftProbabilities, proposal, draftThreshold) / draftMass;
        int token;
        if (acceptUniform * q < p) {
            token = proposal;
            result.acceptances()[b] = true;
        } else {
            token = residualDraw(targetMass, draftThreshold, draftMass, residualUniform, result.tokens()[b]);
        }
        result.tokens()[b] = token;
        result.logprobs()[b] = scores[token] - rowLogSumExp;
    }

    /** Step 7's scan over {@code (P − Q)+}; {@code fallback} (the free draw) when the residual has no mass. */
    private int residualDraw(double targetMass, float draftThreshold, double draftMass, double u, int fallback) {
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            total += residual(i, targetMass, draftThreshold, draftMass);
        }
        if (!(total > 0)) {
            return fallback;
        }
        double target = u * total;
        double cumulative = 0;
        int last = fallback;
        for (int i = 0; i < vocab; i++) {
            double r = residual(i, targetMass, draftThreshold, draftMass);
            if (r > 0) {
                cumulative += r;
                last = i;
                if (cumulative > target) {
                    return i;
                }
            }
        }
        return last;
    }

    private double residual(int i, double targetMass, float draftThreshold, double draftMass) {
        return Math.max(0, kept(probabilities, i, keptThreshold) / targetMass
                - kept(draftProbabilities, i, draftThreshold) / draftMass);
    }

    private static double kept(float[] probabilities, int i, float threshold) {
        return probabilities[i] >= threshold ? probabilities[i] : 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    private void fuseRow(FusionStep step, int b, FusionResult result) {
        FusionRule rule = step.rule(b);
        SamplingParams sampling = step.sampling(b);
        for (int m = 0; m < shape.members(); m++) {
            memberStatistics(rule, m, b, result);
        }
        float logSumExp = combine(rule, b);
        float[] bias = step.bias(b);
        if (bias != null) {
            logSumExp = logSumExp(VectorRows.addAndMax(scores, bias, vocab), b);
        }
        rowLogSumExp = logSumExp;
        writeTop(sampling.topLogprobs(), logSumExp, b, result);
        int penalised = penalise(step, b, sampling, logSumExp - logitOffset(rule));
        float best = VectorRows.max(scores, padded);
        int token = sampling.greedy() ? VectorRows.indexOf(scores, vocab, best)
                : sample(sampling, step.stream(b), step.step(b), best);
        for (int k = 0; k < penalised; k++) {
            scores[distinct[k]] = original[k];
        }
        result.tokens()[b] = token;
        result.logprobs()[b] = scores[token] - logSumExp;
    }

    /** Member m's max (validating the row), tempered log-sum-exp, entropy and max-prob. */
    private void memberStatistics(FusionRule rule, int m, int b, FusionResult result) {
        long row = shape.rowOffset(m, b);
        long base = row * Float.BYTES;
        float max = VectorRows.max(logits, base, vocab);
        if (!(max > Float.NEGATIVE_INFINITY && max < Float.POSITIVE_INFINITY)) {
            throw FusionInputException.forRow(m, b, logits, row, vocab);
        }
        float invT = 1f / rule.temperature(m);
        float shift = max * invT;
        double sum = VectorRows.expStatistics(logits, base, vocab, invT, shift, sums);
        double logSum = Math.log(sum);
        bases[m] = base;
        memberInvT[m] = invT;
        memberMax[m] = shift;
        memberSum[m] = sum;
        memberLse[m] = (float) (shift + logSum);
        result.entropies()[b * shape.members() + m] = (float) (logSum - sums[1] / sum);
        result.maxProbs()[b * shape.members() + m] = (float) (1 / sum);
    }

    /** Writes the unnormalised fused scores f to {@link #scores} and returns their log-sum-exp. */
    private float combine(FusionRule rule, int b) {
        FusionMethod method = rule.method();
        if (method == FusionMethod.CONTRASTIVE) {
            float max = VectorRows.contrastive(logits, bases[0], bases[1], memberInvT, memberMax[0], memberLse,
                    (float) Math.log(rule.alpha()), rule.lambda(), (float) FusionReference.CONTRASTIVE_FLOOR,
                    vocab, scores);
            return logSumExp(max, b);
        }
        selectActive(rule);
        if (method == FusionMethod.LINEAR || method == FusionMethod.MAX) {
            if (activeCount == 1) {
                // One member: f is its log-softmax exactly, already normalised.
                activeWeights[0] = 1f;
                activeShifts[0] = memberLse[active[0]];
                VectorRows.weightedSum(logits, bases, active, activeWeights, activeInvT, activeShifts, 1, vocab,
                        scores);
                return 0f;
            }
            double weightSum = 0;
            for (int k = 0; k < activeCount; k++) {
                weightSum += activeWeights[k];
            }
            for (int k = 0; k < activeCount; k++) {
                activeWeights[k] = (float) (activeWeights[k] / weightSum / memberSum[active[k]]);
                activeShifts[k] = memberMax[active[k]];
            }
            double total = VectorRows.mixLog(logits, bases, active, activeWeights, activeInvT, activeShifts,
                    activeCount, vocab, method == FusionMethod.MAX, scores);
            return (float) Math.log(total);
        }
        for (int k = 0; k < activeCount; k++) {
            activeShifts[k] = method == FusionMethod.LOG_LINEAR ? memberLse[active[k]] : 0f;
        }
        float max = VectorRows.weightedSum(logits, bases, active, activeWeights, activeInvT, activeShifts,
                activeCount, vocab, scores);
        return logSumExp(max, b);
    }

    private float logSumExp(float max, int b) {
        if (!(max > Float.NEGATIVE_INFINITY && max < Float.POSITIVE_INFINITY)) {
            throw new FusionInputException(FusionInputException.FUSED, b, -1,
                    max > 0 ? "fused scores overflow" : "no finite fused score");
        }
        return (float) (max + Math.log(VectorRows.expSum(scores, padded, max, 1f, null)));
    }

    /** Packs the members with a non-zero weight, their weights and inverse temperatures. */
    private void selectActive(FusionRule rule) {
        activeCount = 0;
        for (int m = 0; m < rule.members(); m++) {
            if (rule.weight(m) != 0) {
                active[activeCount] = m;
                activeWeights[activeCount] = rule.weight(m);
                activeInvT[activeCount] = memberInvT[m];
                activeCount++;
            }
        }
    }

    private void writeTop(int wanted, float logSumExp, int b, FusionResult result) {
        top.select(scores, vocab, wanted);
        result.topCounts()[b] = top.count();
        int offset = b * shape.maxTopLogprobs();
        for (int j = 0; j < top.count(); j++) {
            result.topTokens()[offset + j] = top.token(j);
            result.topLogprobs()[offset + j] = top.value(j) - logSumExp;
        }
    }

    /** {@code Λ = Σ ŵ_m · logsumexp(s_m)}: the fused logits are {@code L = F + Λ} (FUSION.md, step 4). */
    private float logitOffset(FusionRule rule) {
        double offset = 0;
        for (int m = 0; m < shape.members(); m++) {
            double share = rule.offsetShare(m);
            if (share != 0) {
                offset += share * memberLse[m];
            }
        }
        return (float) offset;
    }

    /**
     * Applies the repetition, presence and frequency penalties to the history tokens' fused logits
     * {@code L = scores − shift}, keeping them as {@code g + shift} and saving the originals; returns how many
     * distinct tokens it changed.
     */
    private int penalise(FusionStep step, int b, SamplingParams sampling, float shift) {
        if (!sampling.penalised()) {
            return 0;
        }
        int[] history = step.history();
        int from = b * shape.maxHistory();
        int to = from + step.historyLength(b);
        int count = 0;
        for (int j = from; j < to; j++) {
            if (counts[history[j]]++ == 0) {
                distinct[count++] = history[j];
            }
        }
        float r = sampling.repetitionPenalty();
        for (int k = 0; k < count; k++) {
            int token = distinct[k];
            original[k] = scores[token];
            float g = scores[token] - shift;
            g = g <= 0 ? g * r : g / r;
            g -= counts[token] * sampling.frequencyPenalty() + sampling.presencePenalty();
            scores[token] = g + shift;
            counts[token] = 0;
        }
        return count;
    }

    /** Steps 5 to 7: tempered probabilities, the filters as one threshold, then the Philox draw. */
    private int sample(SamplingParams sampling, int stream, int step, float best) {
        double total = VectorRows.expSum(scores, padded, best, 1f / sampling.temperature(), probabilities);
        float threshold = 0f;
        double keptMass = total;
        if (sampling.topK() > 0 && sampling.topK() < vocab) {
            threshold = thresholds.find(probabilities, vocab, padded, 0f, sampling.topK(), false);
            keptMass = VectorRows.sumAtLeast(probabilities, 0, padded, threshold);
        }
        if (sampling.topP() < 1) {
            threshold = Math.max(threshold,
                    thresholds.find(probabilities, vocab, padded, threshold, sampling.topP() * keptMass, true));
        }
        if (sampling.minP() > 0) {
            threshold = Math.max(threshold, sampling.minP() * VectorRows.max(probabilities, padded));
        }
        keptThreshold = threshold;
        double u = Philox4x32.uniform(sampling.seed(), step, stream, philox);
        return draw(threshold, u);
    }

    /** The first token whose cumulative kept probability exceeds {@code u} times the kept total. */
    private int draw(float threshold, double u) {
        double kept = 0;
        for (int block = 0; block < blockSums.length; block++) {
            int from = block * BLOCK;
            blockSums[block] = VectorRows.sumAtLeast(probabilities, from, Math.min(padded, from + BLOCK), threshold);
            kept += blockSums[block];
        }
        double target = u * kept;
        double cumulative = 0;
        int last = -1;
        for (int block = 0; block < blockSums.length; block++) {
            if (cumulative + blockSums[block] <= target) {
                cumulative += blockSums[block];
                continue;
            }
            for (int i = block * BLOCK, end = Math.min(vocab, i + BLOCK); i < end; i++) {
                float q = probabilities[i];
                if (q >= threshold && q > 0) {
                    cumulative += q;
                    last = i;
                    if (cumulative > target) {
                        return i;
                    }
                }
            }
        }
        // Rounding between block and token sums: the last kept token is the top of the interval.
        return last >= 0 ? last : VectorRows.indexOf(probabilities, vocab, VectorRows.max(probabilities, padded));
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this fusion instance is closed");
        }
    }

    private static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc is hidden: fall back to the architecture.
        }
        return System.getProperty("os.arch") + " CPU";
    }
}
