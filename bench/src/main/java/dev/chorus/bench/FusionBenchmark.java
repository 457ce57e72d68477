package dev.chorus.bench;

import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusions;
import dev.chorus.kernels.fusion.SamplingParams;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One fusion step (fuse, filter, sample) for B sequences of an N-member collaboration over V tokens, with
 * the logits already in the backend's staging buffer: what the engine pays per decoded token, minus the
 * models. {@code greedy} is argmax with 5 top log-probabilities; {@code sampled} adds penalties over a
 * 64-token history, τ = 0.8, top-k 40, top-p 0.95 and min-p 0.05. Every call is timed (sample mode), so
 * the low percentiles show the kernel's own cost even on a machine shared with other work.
 *
 * <p>A backend that cannot run here fails its own {@code @Setup} with the reason (JMH reports it and goes
 * on with the other parameters); {@link KernelsBench} asks only for the backends that run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FusionBenchmark {

    private static final int HISTORY = 64;

    @Param({"java", "opencl", "cuda"})
    public String backend;

    @Param({"2", "4"})
    public int n;

    @Param({"1", "16", "64"})
    public int b;

    @Param({"32000", "128256", "151936"})
    public int v;

    @Param({"greedy", "sampled"})
    public String sampling;

    private LogitFusion fusion;
    private FusionStep step;
    private FusionResult result;

    @Setup(Level.Trial)
    public void open() {
        FusionShape shape = new FusionShape(n, b, v, HISTORY, 20);
        fusion = LogitFusions.open(shape, FusionBackend.valueOf(backend.toUpperCase(Locale.ROOT)));
        step = new FusionStep(shape);
        result = new FusionResult(shape);
        SplittableRandom random = new SplittableRandom(7);
        for (long i = 0; i < shape.logitCount(); i++) {
            float logit = (float) (random.nextGaussian() * 2.5 + (random.nextInt(4096) == 0 ? 10 : 0));
            fusion.logits().setAtIndex(ValueLayout.JAVA_FLOAT, i, logit);
        }
        float[] weights = new float[n];
        Arrays.fill(weights, 1f / n);
        FusionRule rule = FusionRule.of(FusionMethod.LINEAR, weights);
        SamplingParams params = sampling.equals("greedy")
                ? new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 0L, 5)
                : new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.1f, 0.1f, 0.05f, 1234L, 5);
        int[] history = random.ints(HISTORY, 0, v).toArray();
        for (int row = 0; row < b; row++) {
            step.add(rule, params, row, 100, history, history.length);
        }
    }

    @Benchmark
    public FusionResult fuse() {
        fusion.fuse(step, result);
        return result;
    }

    @TearDown(Level.Trial)
    public void close() {
        if (fusion != null) {
            fusion.close();
        }
    }
}
