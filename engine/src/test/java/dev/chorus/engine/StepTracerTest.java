package dev.chorus.engine;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A member's trace against a double-precision reference on seeded random logits, given the largest probability as the
 * fusion step reports it: the log-softmax at the member's
 * temperature, the top k in descending order with ties by lower id, and the chosen token's log-probability; and the
 * bounds of a request's trace.
 */
class StepTracerTest {

    @Test
    void matchesTheReferenceOnRandomLogitsWithTiesAtSeveralTemperatures() {
        for (int vocab : new int[] {1, 31, 1025, 32000}) {
            for (float temperature : new float[] {0.25f, 1f, 1.7f}) {
                for (int count : new int[] {1, 5, 20}) {
                    check(vocab, temperature, count, new Random(vocab * 31L + count));
                }
            }
        }
    }

    @Test
    void aTraceOutsideItsBoundsIsAnInvalidRequestNamingIt() {
        GenerationRequest request = GenerationRequest.of(Prompt.text("x"), 1);
        assertEquals(GenerationRequest.MAX_TRACE, request.withTrace(GenerationRequest.MAX_TRACE).trace());
        for (int trace : new int[] {-1, GenerationRequest.MAX_TRACE + 1}) {
            InvalidRequest refused = assertThrows(InvalidRequest.class, () -> request.withTrace(trace));
            assertEquals("chorus.trace", refused.param());
        }
    }

    private static void check(int vocab, float temperature, int count, Random random) {
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            // Quantised to quarters so that ties occur, some far below the rest.
            logits[i] = Math.round(random.nextGaussian() * 12) / 4f - (i % 97 == 3 ? 40 : 0);
        }
        int chosen = random.nextInt(vocab);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(ValueLayout.JAVA_FLOAT, vocab);
            MemorySegment.copy(logits, 0, segment, ValueLayout.JAVA_FLOAT, 0, vocab);
            double[] reference = logSoftmax(logits, temperature);
            // The largest probability as the fusion step reports it: a float.
            float maxProbability = (float) Math.exp(Arrays.stream(reference).max().orElseThrow());
            StepTrace.Member member = StepTracer.member("m", segment, vocab, temperature, maxProbability, chosen,
                    count, token -> "t" + token);

            List<Integer> expected = IntStream.range(0, vocab).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparing(i -> i))
                    .limit(count).toList();
            String where = "V=" + vocab + " T=" + temperature + " k=" + count;
            assertEquals(expected, member.top().stream().map(TokenLogprob::token).toList(), where);
            for (TokenLogprob entry : member.top()) {
                assertEquals(reference[entry.token()], entry.logprob(), 1e-5, where);
                assertEquals("t" + entry.token(), entry.text());
            }
            assertEquals(reference[chosen], member.logprob(), 1e-5, where);
            assertEquals("m", member.model());
        }
    }

    private static double[] logSoftmax(float[] logits, float temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit / (double) temperature);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit / (double) temperature - max);
        }
        double[] result = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            result[i] = logits[i] / (double) temperature - max - Math.log(sum);
        }
        return result;
    }
}
