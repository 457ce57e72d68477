package dev.chorus.engine.eval;

import dev.chorus.engine.adaptive.AdaptiveWeights;
import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.GateSpec;
import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusions;
import dev.chorus.kernels.fusion.SamplingParams;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Scores decoded windows for one collaboration through its own {@link LogitFusion} instance (the backend the
 * config's scheduler serves requests with) and the collaboration's {@link FusionRule}: each position's member logits go to the staging
 * buffer, up to {@code maxBatch} positions per fusion call, and the fused log-probability of the actual next token
 * comes back by {@link TeacherForcing}. Adaptive weights are served per sequence, so each window is one sequence here:
 * the weights at position t come from the members' log-probabilities of tokens 1..t only (causal, as served). A gated
 * ensemble is scored as served: at each position the lead's own distribution where its top probability reaches the
 * threshold (a second fusion of the position under the lead's rule), else the fused one.
 */
final class CollaborationScorer implements AutoCloseable {
    /** Positions fused per call: large enough to keep a GPU busy, small enough for a modest staging buffer. */
    static final int ROWS_PER_CALL = 128;

    private final CollaborationSpec spec;
    private final FusionRule rule;
    private final Optional<GateSpec> gate;
    private final FusionRule leadRule;
    private final int leadMember;
    private final SamplingParams sampling;
    private final List<WindowDecoder> members;
    private final List<WindowDecoder> decoders;
    private final LogitFusion fusion;
    private final FusionStep step;
    private final FusionResult result;
    private final int[] target = new int[TeacherForcing.HISTORY];
    private final int vocabSize;
    private final long rowBytes;
    private long decodeBaseline;
    private long fusionNanos;
    private long tokens;
    private long zeroProbabilityTokens;
    private long leadTokens;
    /** A gated collaboration's decisions at each position of the last window scored. */
    private final List<GatedPosition> lastWindow = new ArrayList<>();
    private double nllSum;
    /** Each window scored since the last reset, in order. */
    private final List<WindowScore> windowScores = new ArrayList<>();

    /**
     * @param members  the decoder of each fusion member, in member order (one decoder may serve several members)
     * @param decoders the distinct decoders, whose decode time this collaboration costs
     */
    CollaborationScorer(CollaborationSpec spec, List<WindowDecoder> members, List<WindowDecoder> decoders,
                        int vocabSize, int window, Optional<FusionBackend> backend) {
        this.spec = spec;
        this.rule = spec.rule().exactForm();
        this.gate = spec.gate();
        this.leadMember = gate.isPresent() ? spec.leadMember() : -1;
        this.leadRule = gate.isPresent() ? GateSpec.leadAlone(rule, leadMember) : null;
        this.sampling = gate.isPresent() ? TeacherForcing.WITH_TOP_TOKEN : TeacherForcing.SAMPLING;
        this.members = List.copyOf(members);
        this.decoders = List.copyOf(decoders);
        FusionShape shape = new FusionShape(rule.members(), Math.min(ROWS_PER_CALL, window - 1), vocabSize,
                TeacherForcing.HISTORY, sampling.topLogprobs());
        this.fusion = backend.map(named -> LogitFusions.open(shape, named)).orElseGet(() -> LogitFusions.open(shape));
        this.step = new FusionStep(shape);
        this.result = new FusionResult(shape);
        this.rowBytes = (long) vocabSize * Float.BYTES;
        this.vocabSize = vocabSize;
    }

    CollaborationSpec spec() {
        return spec;
    }

    /** The fusion backend and device, in words. */
    String backend() {
        return fusion.backend() + " on " + fusion.device();
    }

    /** Forgets the tokens scored so far and the time spent. */
    void reset() {
        decodeBaseline = decodeNanos();
        fusionNanos = 0;
        tokens = 0;
        zeroProbabilityTokens = 0;
        leadTokens = 0;
        nllSum = 0;
        windowScores.clear();
    }

    /** Scores tokens 1..n−1 of a window every member decoder has just decoded. */
    void score(int[] window) {
        long started = System.nanoTime();
        double nllBefore = nllSum;
        long zeroBefore = zeroProbabilityTokens;
        FusionRule[] rules = rules(window);
        lastWindow.clear();
        int rows = fusion.shape().maxBatch();
        for (int first = 0; first < window.length - 1; first += rows) {
            int count = Math.min(rows, window.length - 1 - first);
            fuse(window, rules, first, count);
        }
        windowScores.add(new WindowScore(zeroProbabilityTokens - zeroBefore, nllSum - nllBefore));
        fusionNanos += System.nanoTime() - started;
    }

    /** Each window scored since the last reset, in order. */
    List<WindowScore> windowScores() {
        return List.copyOf(windowScores);
    }

    /** One window's tokens of probability 0 and the NLL sum of the others, in nats; the better one first. */
    record WindowScore(long zeroProbabilityTokens, double finiteNll) implements Comparable<WindowScore> {
        @Override
        public int compareTo(WindowScore other) {
            int zero = Long.compare(zeroProbabilityTokens, other.zeroProbabilityTokens);
            return zero != 0 ? zero : Double.compare(finiteNll, other.finiteNll);
        }
    }

    /**
     * A gated collaboration's choice at one position: whether the lead decided alone (its top probability), and the
     * distribution used there: its most likely token and log-probability, and the actual next token's (−∞ for 0).
     */
    record GatedPosition(boolean byLead, float leadTopProbability, int topToken, float topLogprob,
                         float targetLogprob) {
    }

    /** A gated collaboration's choice at each position of the last window scored (empty without a gate). */
    List<GatedPosition> lastWindow() {
        return List.copyOf(lastWindow);
    }

    private void fuse(int[] window, FusionRule[] rules, int first, int count) {
        fuseRows(window, first, count, b -> rules[first + b]);
        if (gate.isEmpty()) {
            for (int b = 0; b < count; b++) {
                tally(targetLogprob(window, first, b));
            }
            return;
        }
        GatedPosition[] fused = new GatedPosition[count];
        for (int b = 0; b < count; b++) {
            fused[b] = position(false, result.memberMaxProb(b, leadMember), window, first, b);
        }
        fuseRows(window, first, count, b -> leadRule);
        for (int b = 0; b < count; b++) {
            GatedPosition chosen = gate.get().leadDecides(fused[b].leadTopProbability())
                    ? position(true, fused[b].leadTopProbability(), window, first, b) : fused[b];
            leadTokens += chosen.byLead() ? 1 : 0;
            lastWindow.add(chosen);
            tally(chosen.targetLogprob());
        }
    }

    /** Fuses positions first.. first + count − 1 of a decoded window, row b under {@code rules.apply(b)}. */
    private void fuseRows(int[] window, int first, int count, IntFunction<FusionRule> rules) {
        step.clear();
        MemorySegment staging = fusion.logits();
        FusionShape shape = fusion.shape();
        for (int b = 0; b < count; b++) {
            int position = first + b;
            target[0] = window[position + 1];
            step.add(rules.apply(b), sampling, 0, 0, target, TeacherForcing.HISTORY);
            for (int m = 0; m < members.size(); m++) {
                MemorySegment.copy(members.get(m).logits(position), 0, staging,
                        shape.rowOffset(m, b) * Float.BYTES, rowBytes);
            }
        }
        fusion.fuse(step, result);
    }

    /** Row b's log-probability of the window's next token, −∞ when the kernel gives it probability 0. */
    private float targetLogprob(int[] window, int first, int b) {
        return result.token(b) == window[first + b + 1] ? result.logprob(b) : Float.NEGATIVE_INFINITY;
    }

    private GatedPosition position(boolean byLead, float leadTopProbability, int[] window, int first, int b) {
        return new GatedPosition(byLead, leadTopProbability, result.topToken(b, 0), result.topLogprob(b, 0),
                targetLogprob(window, first, b));
    }

    private void tally(float logprob) {
        tokens++;
        if (logprob == Float.NEGATIVE_INFINITY) {
            zeroProbabilityTokens++;
        } else {
            nllSum -= logprob;
        }
    }

    /** The rule of each position of a window: the configured one, or the adaptive weights before that position. */
    private FusionRule[] rules(int[] window) {
        FusionRule[] rules = new FusionRule[window.length - 1];
        if (spec.adaptation().fixed()) {
            Arrays.fill(rules, rule);
            return rules;
        }
        float[] temperatures = rule.temperatures();
        double[][] memberLogprobs = new double[members.size()][];
        for (int m = 0; m < memberLogprobs.length; m++) {
            memberLogprobs[m] = members.get(m).targetLogprobs(temperatures[m], vocabSize);
        }
        AdaptiveWeights weights = new AdaptiveWeights(spec.adaptation(), rule.weights());
        double[] evidence = new double[members.size()];
        for (int position = 0; position < rules.length; position++) {
            rules[position] = new FusionRule(rule.method(), weights.weights(), temperatures, rule.lambda(),
                    rule.alpha());
            for (int m = 0; m < evidence.length; m++) {
                evidence[m] = memberLogprobs[m][position];
            }
            weights.observe(evidence);
        }
        return rules;
    }

    /** The perplexity of the windows scored since the last {@link #reset()}. */
    Perplexity perplexity(int windows) {
        return new Perplexity(spec.name(), spec.kind(), windows, tokens, zeroProbabilityTokens, nllSum,
                (decodeNanos() - decodeBaseline + fusionNanos) / 1e9, leadTokens);
    }

    private long decodeNanos() {
        return decoders.stream().mapToLong(WindowDecoder::decodeNanos).sum();
    }

    @Override
    public void close() {
        fusion.close();
    }
}
