package dev.chorus.kernels.merge.opencl;

import static org.jocl.CL.*;

import dev.chorus.kernels.device.KernelArguments;
import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.MergeStep;
import dev.chorus.kernels.merge.RadixSelect;
import dev.chorus.kernels.merge.StagedMergeKernels;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * The launchers of {@code merge.cl}: the only place that sizes OpenCL work and packs kernel arguments.
 * Buffers grow to the largest chunk seen and are reused.
 */
final class OpenClMergeKernels extends StagedMergeKernels {

    private static final int THREADS = 256;
    /** Work-groups of the grid-stride loops: enough to fill a GPU, few enough that partial sums stay small. */
    private static final int MAX_GROUPS = 1024;

    private final OpenClMergeProgram program;
    private final cl_command_queue queue;
    private final cl_kernel weightedSum;
    private final cl_kernel pairStatistics;
    private final cl_kernel keyHistogram;
    private final cl_kernel combineDeltas;
    private final DeviceArrays arrays;
    private int length;
    private int models;

    OpenClMergeKernels(OpenClMergeProgram program) {
        this.program = program;
        this.queue = clCreateCommandQueueWithProperties(program.device.context, program.device.device, null, null);
        this.weightedSum = clCreateKernel(program.program, "k_weighted_sum", null);
        this.pairStatistics = clCreateKernel(program.program, "k_pair_statistics", null);
        this.keyHistogram = clCreateKernel(program.program, "k_key_histogram", null);
        this.combineDeltas = clCreateKernel(program.program, "k_combine_deltas", null);
        this.arrays = new DeviceArrays(program.device.context);
    }

    @Override
    public MergeBackend backend() {
        return MergeBackend.OPENCL;
    }

    @Override
    public String device() {
        return program.device.description;
    }

    @Override
    protected void upload(MergeInputs inputs, boolean withBase) {
        length = inputs.length();
        models = inputs.modelCount();
        cl_mem all = arrays.models((long) models * length);
        for (int m = 0; m < models; m++) {
            write(all, (long) m * length, inputs.models()[m], length);
        }
        if (withBase) {
            write(arrays.base(length), 0, inputs.base(), length);
        }
        arrays.out(length);
    }

    @Override
    protected double[] pairStatistics() {
        int groups = groups();
        cl_mem partials = arrays.scratch(3L * groups);
        new KernelArguments(pairStatistics).buffer(arrays.models(0)).integer(length).buffer(partials)
                .local(3L * THREADS * Sizeof.cl_float);
        launch(pairStatistics, groups);
        float[] sums = new float[3 * groups];
        clEnqueueReadBuffer(queue, partials, CL_TRUE, 0, (long) sums.length * Sizeof.cl_float, Pointer.to(sums), 0, null, null);
        return addPartials(sums);
    }

    @Override
    protected long[] keyHistogram(int model, int shift, int prefix, int tieKey) {
        cl_mem counts = arrays.scratch(RadixSelect.BINS);
        clEnqueueFillBuffer(queue, counts, Pointer.to(new int[1]), Sizeof.cl_int, 0,
                (long) RadixSelect.BINS * Sizeof.cl_int, 0, null, null);
        new KernelArguments(keyHistogram).buffer(arrays.models(0)).buffer(arrays.base(0)).integer(length)
                .integer(model).integer(shift).integer(prefix).integer(tieKey).buffer(counts);
        launch(keyHistogram, groups());
        int[] bins = new int[RadixSelect.BINS];
        clEnqueueReadBuffer(queue, counts, CL_TRUE, 0, (long) bins.length * Sizeof.cl_int, Pointer.to(bins), 0, null, null);
        return unsignedCounts(bins);
    }

    @Override
    protected void weightedSum(double[] weights) {
        float[] coefficients = toFloats(weights);
        cl_mem parameters = arrays.parameters(coefficients.length);
        clEnqueueWriteBuffer(queue, parameters, CL_TRUE, 0, (long) coefficients.length * Sizeof.cl_float,
                Pointer.to(coefficients), 0, null, null);
        new KernelArguments(weightedSum).buffer(arrays.out(0)).buffer(arrays.models(0)).integer(length).integer(models)
                .buffer(parameters);
        launch(weightedSum, groups());
    }

    @Override
    protected void combineDeltas(MergeStep.DeltaMerge step, int[] words, long offset) {
        cl_mem parameters = arrays.parameters(words.length);
        clEnqueueWriteBuffer(queue, parameters, CL_TRUE, 0, (long) words.length * Sizeof.cl_int, Pointer.to(words),
                0, null, null);
        new KernelArguments(combineDeltas).buffer(arrays.out(0)).buffer(arrays.base(0)).buffer(arrays.models(0))
                .integer(length).integer(models).buffer(parameters).integer(step.consensus() ? 1 : 0)
                .integer(step.normalize() ? 1 : 0).floating(step.lambda()).floating((float) step.weightSum())
                .integer((int) step.seed()).integer((int) (step.seed() >>> 32)).integer(step.tensorIndex())
                .longInteger(offset);
        launch(combineDeltas, groups());
    }

    @Override
    protected void download(float[] out, int count) {
        if (count > 0) {
            clEnqueueReadBuffer(queue, arrays.out(0), CL_TRUE, 0, (long) count * Sizeof.cl_float, Pointer.to(out), 0,
                    null, null);
        }
    }

    @Override
    public void close() {
        arrays.close();
        for (cl_kernel kernel : new cl_kernel[] {weightedSum, pairStatistics, keyHistogram, combineDeltas}) {
            clReleaseKernel(kernel);
        }
        clReleaseCommandQueue(queue);
    }

    private int groups() {
        return (int) Math.max(1, Math.min(MAX_GROUPS, ((long) length + THREADS - 1) / THREADS));
    }

    private void launch(cl_kernel kernel, int groups) {
        clEnqueueNDRangeKernel(queue, kernel, 1, null, new long[] {(long) groups * THREADS}, new long[] {THREADS}, 0,
                null, null);
    }

    private void write(cl_mem buffer, long offset, float[] values, int count) {
        if (count > 0) {
            clEnqueueWriteBuffer(queue, buffer, CL_TRUE, offset * Sizeof.cl_float, (long) count * Sizeof.cl_float,
                    Pointer.to(values), 0, null, null);
        }
    }
}
