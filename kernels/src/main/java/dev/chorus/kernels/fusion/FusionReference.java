package dev.chorus.kernels.fusion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The definition of {@code kernels/FUSION.md}: double precision, plain loops, one sequence at a time,
 * sorting where the text says "the k-th largest". Golden tests compare every backend with it; it is far
 * too slow to serve with.
 */
public final class FusionReference {

    /** Floor on the amateur's log-probability in contrastive decoding. */
    public static final double CONTRASTIVE_FLOOR = -100;

    /**
     * One sequence's outputs, in double precision.
     *
     * @param token       the chosen token
     * @param logprob     its fused log-probability {@code F_token}
     * @param topTokens   the {@code topLogprobs} most likely fused tokens, descending, ties by lower index
     * @param topLogprobs their fused log-probabilities
     * @param entropies   {@code H_m} per member
     * @param maxProbs    {@code max_i p_m,i} per member
     * @param fused       the fused distribution {@code F} over the whole vocabulary
     * @param penalised   the penalised fused logits {@code g} the token is chosen from (step 4)
     * @param margin      how far the decision is from flipping: for greedy the gap between the two best
     *                    penalised scores; for sampling the smallest of the uniform's distance (as a fraction of
     *                    the kept mass) to the chosen token's interval ends, each filter's gap in {@code h}
     *                    between the last kept and first dropped token, and top-p's mass distance to p. A
     *                    float backend may choose differently only when this is tiny. For a verified
     *                    proposal also the acceptance test's distance {@code |P(d)/Q(d) − u_a|}.
     * @param kept        the distribution a sampled token is drawn from (steps 5 and 6: renormalised over the
     *                    kept tokens, 0 elsewhere); null for greedy
     * @param keptMargin  the filters' part of {@code margin} (infinite for greedy)
     * @param accepted    whether a proposal was accepted (step 9); false when there was none
     */
    public record Outcome(int token, double logprob, int[] topTokens, double[] topLogprobs, double[] entropies,
                          double[] maxProbs, double[] fused, double[] penalised, double[] kept, double keptMargin,
                          double margin, boolean accepted) {

        /** This outcome with the token of a verification. */
        Outcome verified(int chosen, double verdictMargin, boolean wasAccepted) {
            return new Outcome(chosen, fused[chosen], topTokens, topLogprobs, entropies, maxProbs, fused, penalised,
                    kept, keptMargin, verdictMargin, wasAccepted);
        }
    }

    private FusionReference() {
    }

    /** Fuses rows {@code 0 .. step.batch() − 1} of {@code logits} (laid out as {@link LogitFusion#logits()}). */
    public static void fuse(MemorySegment logits, FusionStep step, FusionResult result) {
        FusionShape shape = step.shape();
        shape.requireFits(step, result);
        float[][] rows = new float[shape.members()][];
        Outcome[] outcomes = new Outcome[step.batch()];
        for (int b = 0; b < step.batch(); b++) {
            for (int m = 0; m < shape.members(); m++) {
                long offset = shape.rowOffset(m, b) * Float.BYTES;
                rows[m] = logits.asSlice(offset, (long) shape.vocabSize() * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
            }
            int[] history = new int[step.historyLength(b)];
            for (int j = 0; j < history.length; j++) {
                history[j] = step.history(b, j);
            }
            outcomes[b] = fuse(rows, step.rule(b), step.sampling(b), step.stream(b), step.step(b), history,
                    step.bias(b), b);
        }
        for (int b = 0; b < step.batch(); b++) {
            Outcome outcome = outcomes[b];
            if (step.proposal(b) != FusionStep.NO_PROPOSAL) {
                Outcome draft = step.draftRow(b) == FusionStep.NO_PROPOSAL ? null : outcomes[step.draftRow(b)];
                outcome = verify(outcome, draft, step.proposal(b), step.sampling(b), step.stream(b), step.step(b));
            }
            write(outcome, b, shape, result);
        }
    }

    /**
     * Step 9: verifies the proposed token d against the target row's outcome. Greedy: accepted when d is the
     * argmax, the token is the argmax either way. Sampled, with the target's kept distribution P and the
     * proposer's Q ({@code draft.kept()}): Philox counter (step, stream, 1, 0) gives u_r from words 0, 1 and
     * u_a from words 2, 3 (as step 7 builds u); d is accepted when {@code u_a · Q(d) < P(d)}, otherwise the
     * token is drawn with u_r from the residual {@code (P − Q)+} (step 7's scan over it); a residual without mass
     * (only if P = Q, when nothing is rejected but by rounding) draws from P.
     */
    public static Outcome verify(Outcome target, Outcome draft, int proposal, SamplingParams sampling, int stream,
                                 int step) {
        if (sampling.greedy()) {
            return target.verified(target.token(), target.margin(), target.token() == proposal);
        }
        int[] words = Philox4x32.generate(step, stream, 1, 0, (int) sampling.seed(), (int) (sampling.seed() >>> 32));
        double residualUniform = Philox4x32.toUniform(words[0], words[1]);
        double acceptUniform = Philox4x32.toUniform(words[2], words[3]);
        double[] p = target.kept();
        double[] q = draft.kept();
        double margin = Math.min(target.keptMargin(), draft.keptMargin());
        if (q[proposal] > 0) {
            margin = Math.min(margin, Math.abs(p[proposal] / q[proposal] - acceptUniform));
        }
        if (acceptUniform * q[proposal] < p[proposal]) {
            return target.verified(proposal, margin, true);
        }
        double[] residual = new double[p.length];
        double mass = 0;
        for (int i = 0; i < p.length; i++) {
            residual[i] = Math.max(0, p[i] - q[i]);
            mass += residual[i];
        }
        if (!(mass > 0)) {
            return target.verified(target.token(), 0, false);
        }
        Draw draw = draw(residual, residualUniform, margin);
        return target.verified(draw.token, draw.margin, false);
    }

    /**
     * Fuses one sequence.
     *
     * @param logits   {@code logits[m]} is member m's row of V logits
     * @param history  the penalty history (every entry counts)
     * @param sequence the row index reported by a {@link FusionInputException}
     */
    public static Outcome fuse(float[][] logits, FusionRule rule, SamplingParams sampling, int stream, int step,
                               int[] history, int sequence) {
        return fuse(logits, rule, sampling, stream, step, history, null, sequence);
    }

    /**
     * Fuses one sequence with an additive bias on its fused scores (step 2b).
     *
     * @param bias V entries added to {@code f}, {@code −∞} masking a token; null for none
     */
    public static Outcome fuse(float[][] logits, FusionRule rule, SamplingParams sampling, int stream, int step,
                               int[] history, float[] bias, int sequence) {
        if (bias != null && rule.method() == FusionMethod.CONTRASTIVE) {
            logits = logits.clone();
            logits[0] = logits[0].clone();
            for (int i = 0; i < bias.length; i++) {
                if (bias[i] == Float.NEGATIVE_INFINITY) {
                    logits[0][i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        int members = rule.members();
        int vocab = logits[0].length;
        double[][] tempered = new double[members][];
        double[][] logProbs = new double[members][];
        double[] entropies = new double[members];
        double[] maxProbs = new double[members];
        double offset = 0;
        for (int m = 0; m < members; m++) {
            checkRow(logits[m], m, sequence);
            tempered[m] = new double[vocab];
            for (int i = 0; i < vocab; i++) {
                tempered[m][i] = logits[m][i] / (double) rule.temperature(m);
            }
            double logNormaliser = logSumExp(tempered[m]);
            logProbs[m] = shifted(tempered[m], -logNormaliser);
            if (rule.offsetShare(m) != 0) {
                offset += rule.offsetShare(m) * logNormaliser;
            }
            for (double lp : logProbs[m]) {
                double p = Math.exp(lp);
                if (p > 0) {
                    entropies[m] -= p * lp;
                }
                maxProbs[m] = Math.max(maxProbs[m], p);
            }
        }
        double[] combined = combine(rule, tempered, logProbs);
        if (bias != null) {
            for (int i = 0; i < vocab; i++) {
                combined[i] += bias[i];
            }
        }
        double[] fused = shifted(combined, -logSumExp(combined));
        if (Double.isNaN(fused[0]) || Arrays.stream(fused).allMatch(f -> f == Double.NEGATIVE_INFINITY)) {
            throw new FusionInputException(FusionInputException.FUSED, sequence, -1, "no finite fused score");
        }
        double[] scores = penalise(shifted(fused, offset), sampling, history);
        int[] top = topIndices(fused, sampling.topLogprobs());
        double[] topLogprobs = new double[top.length];
        for (int j = 0; j < top.length; j++) {
            topLogprobs[j] = fused[top[j]];
        }
        if (sampling.greedy()) {
            int[] best = topIndices(scores, 2);
            double margin = best.length > 1 ? scores[best[0]] - scores[best[1]] : Double.POSITIVE_INFINITY;
            return new Outcome(best[0], fused[best[0]], top, topLogprobs, entropies, maxProbs, fused, scores, null,
                    Double.POSITIVE_INFINITY, margin, false);
        }
        Kept kept = filter(scores, sampling);
        Draw draw = draw(kept.q, Philox4x32.uniform(sampling.seed(), step, stream, new int[4]), kept.margin);
        return new Outcome(draw.token, fused[draw.token], top, topLogprobs, entropies, maxProbs, fused, scores, kept.q,
                kept.margin, draw.margin, false);
    }

    private static void checkRow(float[] row, int member, int sequence) {
        boolean anyFinite = false;
        for (int i = 0; i < row.length; i++) {
            if (Float.isNaN(row[i]) || row[i] == Float.POSITIVE_INFINITY) {
                throw new FusionInputException(member, sequence, i, Float.isNaN(row[i]) ? "NaN logit" : "+inf logit");
            }
            anyFinite |= row[i] != Float.NEGATIVE_INFINITY;
        }
        if (!anyFinite) {
            throw new FusionInputException(member, sequence, -1, "every logit is -inf");
        }
    }

    /** {@code logsumexp(x)}; NaN when x has no finite entry. */
    private static double logSumExp(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** {@code x + shift}, a new array. */
    private static double[] shifted(double[] x, double shift) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + shift;
        }
        return out;
    }

    private static double[] combine(FusionRule given, double[][] tempered, double[][] logProbs) {
        FusionRule rule = given.exactForm();
        int vocab = tempered[0].length;
        double[] f = new double[vocab];
        double weightSum = 0;
        int active = 0;
        int onlyMember = -1;
        for (int m = 0; m < rule.members(); m++) {
            weightSum += rule.weight(m);
            if (rule.weight(m) != 0) {
                active++;
                onlyMember = m;
            }
        }
        switch (rule.method()) {
            case LINEAR, MAX -> {
                if (rule.method() == FusionMethod.LINEAR && active == 1) {
                    return logProbs[onlyMember].clone();
                }
                for (int i = 0; i < vocab; i++) {
                    double acc = 0;
                    for (int m = 0; m < rule.members(); m++) {
                        if (rule.weight(m) != 0) {
                            double term = rule.weight(m) / weightSum * Math.exp(logProbs[m][i]);
                            acc = rule.method() == FusionMethod.LINEAR ? acc + term : Math.max(acc, term);
                        }
                    }
                    f[i] = Math.log(acc);
                }
            }
            case LOG_LINEAR, PROXY -> {
                double[][] terms = rule.method() == FusionMethod.LOG_LINEAR ? logProbs : tempered;
                for (int i = 0; i < vocab; i++) {
                    double acc = 0;
                    for (int m = 0; m < rule.members(); m++) {
                        if (rule.weight(m) == 0) {
                            continue;
                        }
                        if (terms[m][i] == Double.NEGATIVE_INFINITY) {
                            acc = Double.NEGATIVE_INFINITY;
                            break;
                        }
                        acc += rule.weight(m) * terms[m][i];
                    }
                    f[i] = acc;
                }
            }
            case CONTRASTIVE -> {
                double[] expert = logProbs[0];
                double cut = Math.log(rule.alpha()) + Arrays.stream(expert).max().orElseThrow();
                for (int i = 0; i < vocab; i++) {
                    f[i] = expert[i] >= cut
                            ? expert[i] - rule.lambda() * Math.max(logProbs[1][i], CONTRASTIVE_FLOOR)
                            : Double.NEGATIVE_INFINITY;
                }
            }
        }
        return f;
    }

    /** Step 4 on the fused logits {@code L}: a new array {@code g}. */
    private static double[] penalise(double[] logits, SamplingParams sampling, int[] history) {
        double[] g = logits.clone();
        int[] counts = new int[logits.length];
        for (int token : history) {
            counts[token]++;
        }
        for (int i = 0; i < g.length; i++) {
            if (counts[i] > 0) {
                double r = sampling.repetitionPenalty();
                g[i] = g[i] <= 0 ? g[i] * r : g[i] / r;
                g[i] -= counts[i] * (double) sampling.frequencyPenalty() + sampling.presencePenalty();
            }
        }
        return g;
    }

    private record Draw(int token, double margin) {
    }

    /** Steps 5 and 6: the kept distribution and the filters' smallest margin. */
    private record Kept(double[] q, double margin) {
    }

    private static Kept filter(double[] scores, SamplingParams sampling) {
        int vocab = scores.length;
        double[] h = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            h[i] = scores[i] / sampling.temperature();
        }
        boolean[] kept = new boolean[vocab];
        Arrays.fill(kept, true);
        double margin = Double.POSITIVE_INFINITY;
        if (sampling.topK() > 0 && sampling.topK() < vocab) {
            double[] sorted = sortedDescending(h, kept);
            double threshold = sorted[sampling.topK() - 1];
            margin = Math.min(margin, gapBelow(sorted, threshold));
            keepAtLeast(h, kept, threshold);
        }
        if (sampling.topP() < 1) {
            double[] q = probabilities(h, kept);
            double[] sorted = sortedDescending(q, kept);
            double cumulative = 0;
            int position = 0;
            while (position < sorted.length - 1 && cumulative + sorted[position] < sampling.topP()) {
                cumulative += sorted[position++];
            }
            double threshold = sorted[position];
            margin = Math.min(margin, Math.abs(cumulative + threshold - sampling.topP()));
            margin = Math.min(margin, Math.abs(cumulative - sampling.topP()));
            margin = Math.min(margin, logGapBelow(sorted, threshold));
            keepAtLeast(q, kept, threshold);
        }
        if (sampling.minP() > 0) {
            double[] q = probabilities(h, kept);
            double threshold = sampling.minP() * Arrays.stream(q).max().orElseThrow();
            double[] sorted = sortedDescending(q, kept);
            margin = Math.min(margin, logGap(sorted, threshold));
            keepAtLeast(q, kept, threshold);
        }
        return new Kept(probabilities(h, kept), margin);
    }

    /** Step 7's scan: the smallest index whose cumulative weight exceeds {@code u} times the total weight. */
    private static Draw draw(double[] q, double u, double filterMargin) {
        int vocab = q.length;
        double margin = filterMargin;
        double total = 0;
        for (double v : q) {
            total += v;
        }
        double target = u * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < vocab; i++) {
            if (q[i] > 0) {
                double next = cumulative + q[i];
                if (next > target) {
                    margin = Math.min(margin, Math.min(target - cumulative, next - target) / total);
                    return new Draw(i, margin);
                }
                cumulative = next;
                last = i;
            }
        }
        return new Draw(last, 0);
    }

    /** softmax of h over the kept tokens, 0 elsewhere. */
    private static double[] probabilities(double[] h, boolean[] kept) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < h.length; i++) {
            if (kept[i]) {
                max = Math.max(max, h[i]);
            }
        }
        double[] q = new double[h.length];
        double sum = 0;
        for (int i = 0; i < h.length; i++) {
            if (kept[i]) {
                q[i] = Math.exp(h[i] - max);
                sum += q[i];
            }
        }
        for (int i = 0; i < h.length; i++) {
            q[i] /= sum;
        }
        return q;
    }

    private static void keepAtLeast(double[] values, boolean[] kept, double threshold) {
        for (int i = 0; i < values.length; i++) {
            kept[i] &= values[i] >= threshold;
        }
    }

    private static double[] sortedDescending(double[] values, boolean[] kept) {
        double[] sorted = new double[values.length];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (kept[i]) {
                sorted[n++] = -values[i];
            }
        }
        sorted = Arrays.copyOf(sorted, n);
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) {
            sorted[i] = -sorted[i];
        }
        return sorted;
    }

    /** The gap between a threshold taken from {@code sorted} and the next smaller value. */
    private static double gapBelow(double[] sorted, double threshold) {
        for (double v : sorted) {
            if (v < threshold) {
                return threshold - v;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** {@link #gapBelow} for probabilities, measured in log space (the space a backend's error lives in). */
    private static double logGapBelow(double[] sorted, double threshold) {
        for (double v : sorted) {
            if (v < threshold) {
                return Math.log(threshold) - Math.log(v);
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** The log-distance from a threshold to the nearest probability on either side of it. */
    private static double logGap(double[] sorted, double threshold) {
        double gap = Double.POSITIVE_INFINITY;
        for (double v : sorted) {
            gap = Math.min(gap, Math.abs(Math.log(v) - Math.log(threshold)));
        }
        return gap;
    }

    /** The indices of the n largest values, descending, ties by lower index. */
    static int[] topIndices(double[] values, int n) {
        int count = Math.min(n, values.length);
        int[] top = new int[count];
        boolean[] taken = new boolean[values.length];
        for (int j = 0; j < count; j++) {
            int best = -1;
            for (int i = 0; i < values.length; i++) {
                if (!taken[i] && (best < 0 || values[i] > values[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            top[j] = best;
        }
        return top;
    }

    private static void write(Outcome outcome, int b, FusionShape shape, FusionResult result) {
        result.tokens()[b] = outcome.token();
        result.acceptances()[b] = outcome.accepted();
        result.logprobs()[b] = (float) outcome.logprob();
        result.topCounts()[b] = outcome.topTokens().length;
        for (int j = 0; j < outcome.topTokens().length; j++) {
            result.topTokens()[b * shape.maxTopLogprobs() + j] = outcome.topTokens()[j];
            result.topLogprobs()[b * shape.maxTopLogprobs() + j] = (float) outcome.topLogprobs()[j];
        }
        for (int m = 0; m < shape.members(); m++) {
            result.entropies()[b * shape.members() + m] = (float) outcome.entropies()[m];
            result.maxProbs()[b * shape.members() + m] = (float) outcome.maxProbs()[m];
        }
    }
}
