package dev.chorus.kernels.merge.cuda;

import static jcuda.driver.JCudaDriver.*;

import dev.chorus.kernels.device.CudaDevice;
import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.MergeStep;
import dev.chorus.kernels.merge.RadixSelect;
import dev.chorus.kernels.merge.StagedMergeKernels;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;

/**
 * The launchers of {@code merge.cu}: the only place that sizes CUDA grids and packs kernel arguments.
 * Device arrays grow to the largest chunk seen and are reused.
 */
final class CudaMergeKernels extends StagedMergeKernels {

    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 2048;

    private enum Role { MODELS, BASE, OUT, SCRATCH, PARAMETERS }

    private final CudaMergeModule module;
    private final CUfunction weightedSum;
    private final CUfunction pairStatistics;
    private final CUfunction keyHistogram;
    private final CUfunction combineDeltas;
    private final CUdeviceptr[] arrays = new CUdeviceptr[Role.values().length];
    private final long[] capacities = new long[Role.values().length];
    private int length;
    private int models;

    CudaMergeKernels(CudaMergeModule module) {
        this.module = module;
        module.device.makeCurrent();
        weightedSum = CudaDevice.function(module.module, "k_weighted_sum");
        pairStatistics = CudaDevice.function(module.module, "k_pair_statistics");
        keyHistogram = CudaDevice.function(module.module, "k_key_histogram");
        combineDeltas = CudaDevice.function(module.module, "k_combine_deltas");
    }

    @Override
    public MergeBackend backend() {
        return MergeBackend.CUDA;
    }

    @Override
    public String device() {
        return module.device.description;
    }

    @Override
    protected void upload(MergeInputs inputs, boolean withBase) {
        module.device.makeCurrent();
        length = inputs.length();
        models = inputs.modelCount();
        CUdeviceptr all = array(Role.MODELS, (long) models * length);
        array(Role.OUT, length);
        if (length == 0) {
            return;
        }
        for (int m = 0; m < models; m++) {
            cuMemcpyHtoD(all.withByteOffset((long) m * length * Sizeof.FLOAT), Pointer.to(inputs.models()[m]),
                    (long) length * Sizeof.FLOAT);
        }
        if (withBase) {
            cuMemcpyHtoD(array(Role.BASE, length), Pointer.to(inputs.base()), (long) length * Sizeof.FLOAT);
        }
    }

    @Override
    protected double[] pairStatistics() {
        int blocks = blocks();
        CUdeviceptr partials = array(Role.SCRATCH, 3L * blocks);
        launch(pairStatistics, blocks, Pointer.to(array(Role.MODELS, 0)), Pointer.to(new int[] {length}),
                Pointer.to(partials));
        float[] sums = new float[3 * blocks];
        cuMemcpyDtoH(Pointer.to(sums), partials, (long) sums.length * Sizeof.FLOAT);
        return addPartials(sums);
    }

    @Override
    protected long[] keyHistogram(int model, int shift, int prefix, int tieKey) {
        CUdeviceptr counts = array(Role.SCRATCH, RadixSelect.BINS);
        cuMemsetD32(counts, 0, RadixSelect.BINS);
        launch(keyHistogram, blocks(), Pointer.to(array(Role.MODELS, 0)), Pointer.to(array(Role.BASE, 0)),
                Pointer.to(new int[] {length}), Pointer.to(new int[] {model}), Pointer.to(new int[] {shift}),
                Pointer.to(new int[] {prefix}), Pointer.to(new int[] {tieKey}), Pointer.to(counts));
        int[] bins = new int[RadixSelect.BINS];
        cuMemcpyDtoH(Pointer.to(bins), counts, (long) bins.length * Sizeof.INT);
        return unsignedCounts(bins);
    }

    @Override
    protected void weightedSum(double[] weights) {
        float[] coefficients = toFloats(weights);
        CUdeviceptr parameters = array(Role.PARAMETERS, coefficients.length);
        cuMemcpyHtoD(parameters, Pointer.to(coefficients), (long) coefficients.length * Sizeof.FLOAT);
        launch(weightedSum, blocks(), Pointer.to(array(Role.OUT, 0)), Pointer.to(array(Role.MODELS, 0)),
                Pointer.to(new int[] {length}), Pointer.to(new int[] {models}), Pointer.to(parameters));
    }

    @Override
    protected void combineDeltas(MergeStep.DeltaMerge step, int[] words, long offset) {
        CUdeviceptr parameters = array(Role.PARAMETERS, words.length);
        cuMemcpyHtoD(parameters, Pointer.to(words), (long) words.length * Sizeof.INT);
        launch(combineDeltas, blocks(), Pointer.to(array(Role.OUT, 0)), Pointer.to(array(Role.BASE, 0)),
                Pointer.to(array(Role.MODELS, 0)), Pointer.to(new int[] {length}), Pointer.to(new int[] {models}),
                Pointer.to(parameters), Pointer.to(new int[] {step.consensus() ? 1 : 0}),
                Pointer.to(new int[] {step.normalize() ? 1 : 0}), Pointer.to(new float[] {step.lambda()}),
                Pointer.to(new float[] {(float) step.weightSum()}), Pointer.to(new int[] {(int) step.seed()}),
                Pointer.to(new int[] {(int) (step.seed() >>> 32)}), Pointer.to(new int[] {step.tensorIndex()}),
                Pointer.to(new long[] {offset}));
    }

    @Override
    protected void download(float[] out, int count) {
        if (count > 0) {
            cuMemcpyDtoH(Pointer.to(out), array(Role.OUT, 0), (long) count * Sizeof.FLOAT);
        }
    }

    @Override
    public void close() {
        module.device.makeCurrent();
        for (int i = 0; i < arrays.length; i++) {
            if (arrays[i] != null) {
                cuMemFree(arrays[i]);
                arrays[i] = null;
            }
        }
    }

    private int blocks() {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, ((long) length + THREADS - 1) / THREADS));
    }

    private void launch(CUfunction function, int blocks, Pointer... arguments) {
        cuLaunchKernel(function, blocks, 1, 1, THREADS, 1, 1, 0, null, Pointer.to(arguments), null);
    }

    /** The array of {@code role}, grown to at least {@code words} 4-byte words (0: as it is). */
    private CUdeviceptr array(Role role, long words) {
        int at = role.ordinal();
        if (arrays[at] == null || capacities[at] < words) {
            if (arrays[at] != null) {
                cuMemFree(arrays[at]);
            }
            CUdeviceptr pointer = new CUdeviceptr();
            cuMemAlloc(pointer, Math.max(words, 1) * Sizeof.FLOAT);
            arrays[at] = pointer;
            capacities[at] = Math.max(words, 1);
        }
        return arrays[at];
    }
}
