// Merge kernels (launched by dev.chorus.kernels.merge.cuda.CudaMergeKernels, the only code that sizes
// grids and packs arguments); the same algorithm and argument order as kernels/src/main/opencl/merge.cl.
// Every kernel walks its elements with a grid-stride loop, so any grid works; blocks are MERGE_THREADS.
// models holds the M input tensors back to back, n floats each. The math is documented on
// dev.chorus.kernels.merge.MergeStep and in docs/merging.md.
#include "fusion_common.cuh"  // philox4x32_10, shared with the fusion kernels

#define MERGE_THREADS 256
#define MERGE_BINS 256
#define MERGE_DIGIT_BITS 8
#define DELTA_WORDS 9
#define KEEP_ALL (1 << 24)
#define MAX_MODELS 16
#define NO_KEY 0xFFFFFFFFu

__device__ __forceinline__ unsigned delta_key(float delta) {
    return __float_as_uint(delta) & 0x7FFFFFFFu;
}

// out = Σ_m coefficients[m]·x_m
extern "C" __global__ void k_weighted_sum(float* out, const float* models, int n, int count, const float* coefficients) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float sum = models[i] * coefficients[0];
        for (int m = 1; m < count; m++) {
            sum = fmaf(models[(size_t) m * n + i], coefficients[m], sum);
        }
        out[i] = sum;
    }
}

// partials[3·block + {0,1,2}] = this block's a·b, a·a, b·b of models 0 (a) and 1 (b); the host adds the
// blocks in double.
extern "C" __global__ void k_pair_statistics(const float* models, int n, float* partials) {
    __shared__ float scratch[3][MERGE_THREADS];
    float ab = 0.f, aa = 0.f, bb = 0.f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const float a = models[i], b = models[(size_t) n + i];
        ab = fmaf(a, b, ab);
        aa = fmaf(a, a, aa);
        bb = fmaf(b, b, bb);
    }
    scratch[0][threadIdx.x] = ab;
    scratch[1][threadIdx.x] = aa;
    scratch[2][threadIdx.x] = bb;
    __syncthreads();
    for (int stride = MERGE_THREADS / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) {
            for (int s = 0; s < 3; s++) scratch[s][threadIdx.x] += scratch[s][threadIdx.x + stride];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        for (int s = 0; s < 3; s++) partials[3 * blockIdx.x + s] = scratch[s][0];
    }
}

// counts[d] += the number of values with digit d at shift whose higher bits equal prefix (RadixSelect on the
// host picks the digit holding the wanted rank): the values are model m's delta keys, or with tie_key other
// than NO_KEY, ~i for the elements i whose key is tie_key (to find the r-th such index). counts is zeroed by
// the host.
extern "C" __global__ void k_key_histogram(const float* models, const float* base, int n, int model, int shift,
                                           unsigned prefix, unsigned tie_key, unsigned* counts) {
    __shared__ unsigned bins[MERGE_BINS];
    for (int b = threadIdx.x; b < MERGE_BINS; b += blockDim.x) bins[b] = 0u;
    __syncthreads();
    const float* x = models + (size_t) model * n;
    const bool all = shift + MERGE_DIGIT_BITS >= 32;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const unsigned key = delta_key(x[i] - base[i]);
        const unsigned value = tie_key == NO_KEY ? key : ~(unsigned) i;
        if ((tie_key == NO_KEY || key == tie_key) && (all || (value >> (shift + MERGE_DIGIT_BITS)) == prefix)) {
            atomicAdd(&bins[(value >> shift) & (MERGE_BINS - 1)], 1u);
        }
    }
    __syncthreads();
    for (int b = threadIdx.x; b < MERGE_BINS; b += blockDim.x) {
        if (bins[b] != 0u) atomicAdd(&counts[b], bins[b]);
    }
}

// Whether element index (of the tensor) with key passes one model's magnitude bounds (DeltaKeep.Bounds):
// w[2] low key, w[3] high key, w[4..5] low cut, w[6..7] high cut (low word first).
__device__ __forceinline__ bool within_bounds(unsigned key, unsigned long long index, const int* w) {
    const unsigned low = (unsigned) w[2], high = (unsigned) w[3];
    const unsigned long long low_cut = (unsigned long long) (unsigned) w[4] | (unsigned long long) (unsigned) w[5] << 32;
    const unsigned long long high_cut = (unsigned long long) (unsigned) w[6] | (unsigned long long) (unsigned) w[7] << 32;
    return (key > low || (key == low && index < low_cut)) && (key < high || (key == high && index >= high_cut));
}

// MergeStep.DeltaMerge per element, in the order of DeltaCombiner (the Java backend), for a chunk that starts
// at element offset of its tensor. words holds, per model, DELTA_WORDS ints: weight bits, scale bits, the
// magnitude bounds (within_bounds), keep24 (DeltaKeep).
extern "C" __global__ void k_combine_deltas(float* out, const float* base, const float* models, int n, int count,
                                            const int* words, int consensus, int normalize, float lambda,
                                            float weight_sum, unsigned seed_lo, unsigned seed_hi,
                                            unsigned tensor_index, unsigned long long offset) {
    float weighted[MAX_MODELS];
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const float b = base[i];
        const unsigned long long index = offset + (unsigned long long) i;
        float sum = 0.f;
        for (int m = 0; m < count; m++) {
            const int* w = words + DELTA_WORDS * m;
            const float delta = __fsub_rn(models[(size_t) m * n + i], b);
            bool keep = within_bounds(delta_key(delta), index, w);
            if (keep && w[8] != KEEP_ALL) {
                const unsigned long long quad = index >> 2;
                const uint4 x = philox4x32_10(make_uint4((unsigned) quad, (unsigned) (quad >> 32), tensor_index,
                                                         (unsigned) m), make_uint2(seed_lo, seed_hi));
                const unsigned lane = (unsigned) (index & 3);
                const unsigned word = lane == 0 ? x.x : lane == 1 ? x.y : lane == 2 ? x.z : x.w;
                keep = (int) (word >> 8) < w[8];
            }
            weighted[m] = keep ? __int_as_float(w[0]) * (delta * __int_as_float(w[1])) : 0.f;
            sum += weighted[m];
        }
        float mixed = sum, divisor = weight_sum;
        if (consensus) {
            mixed = 0.f;
            divisor = 0.f;
            for (int m = 0; m < count; m++) {
                if (weighted[m] != 0.f && (weighted[m] > 0.f) == (sum >= 0.f)) {
                    mixed += weighted[m];
                    divisor += __int_as_float(words[DELTA_WORDS * m]);
                }
            }
            divisor = divisor == 0.f ? 1.f : divisor;
        }
        out[i] = b + lambda * (normalize ? mixed / divisor : mixed);
    }
}
