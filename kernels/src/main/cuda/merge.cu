// Merge kernels (launched by dev.chorus.kernels.merge.cuda.CudaMergeKernels, the only code that sizes
// grids and packs arguments); the same algorithm and argument order as kernels/src/main/opencl/merge.cl.
// Every kernel walks its elements with a grid-stride loop, so any grid works; blocks are MERGE_THREADS.
// models holds the M input tensors back to back, n floats each. The math is documented on
// dev.chorus.kernels.merge.MergeStep and in docs/merging.md.
#include "fusion_common.cuh"  // philox4x32_10, shared with the fusion kernels

#define MERGE_THREADS 256
#define MERGE_BINS 256
#define MERGE_DIGIT_BITS 8
#define DELTA_WORDS 5
#define KEEP_ALL (1 << 24)
#define MAX_MODELS 16

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

// counts[d] += the number of model m's delta keys with digit d at shift whose higher bits equal prefix
// (RadixSelect on the host picks the digit holding the wanted rank). counts is zeroed by the host.
extern "C" __global__ void k_key_histogram(const float* models, const float* base, int n, int model, int shift,
                                           unsigned prefix, unsigned* counts) {
    __shared__ unsigned bins[MERGE_BINS];
    for (int b = threadIdx.x; b < MERGE_BINS; b += blockDim.x) bins[b] = 0u;
    __syncthreads();
    const float* x = models + (size_t) model * n;
    const bool all = shift + MERGE_DIGIT_BITS >= 32;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const unsigned key = delta_key(x[i] - base[i]);
        if (all || (key >> (shift + MERGE_DIGIT_BITS)) == prefix) {
            atomicAdd(&bins[(key >> shift) & (MERGE_BINS - 1)], 1u);
        }
    }
    __syncthreads();
    for (int b = threadIdx.x; b < MERGE_BINS; b += blockDim.x) {
        if (bins[b] != 0u) atomicAdd(&counts[b], bins[b]);
    }
}

// MergeStep.DeltaMerge per element, in the order of DeltaCombiner (the Java backend). words holds, per
// model, DELTA_WORDS ints: weight bits, scale bits, key interval [low, high), keep24 (DeltaKeep).
extern "C" __global__ void k_combine_deltas(float* out, const float* base, const float* models, int n, int count,
                                            const int* words, int consensus, int normalize, float lambda,
                                            float weight_sum, unsigned seed_lo, unsigned seed_hi,
                                            unsigned tensor_index) {
    float weighted[MAX_MODELS];
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const float b = base[i];
        float sum = 0.f;
        for (int m = 0; m < count; m++) {
            const int* w = words + DELTA_WORDS * m;
            const float delta = __fsub_rn(models[(size_t) m * n + i], b);
            const unsigned key = delta_key(delta);
            bool keep = key >= (unsigned) w[2] && key < (unsigned) w[3];
            if (keep && w[4] != KEEP_ALL) {
                const uint4 x = philox4x32_10(make_uint4((unsigned) i >> 2, 0u, tensor_index, (unsigned) m),
                                              make_uint2(seed_lo, seed_hi));
                const unsigned word = (i & 3) == 0 ? x.x : (i & 3) == 1 ? x.y : (i & 3) == 2 ? x.z : x.w;
                keep = (int) (word >> 8) < w[4];
            }
            weighted[m] = keep ? __int_as_float(w[0]) * (delta * __int_as_float(w[1])) : 0.f;
            sum += weighted[m];
        }
        float mixed = sum, divisor = weight_sum;
        if (consensus) {
            mixed = 0.f;
            divisor = 0.f;
            for (int m = 0; m < count; m++) {
                if (weighted[m] != 0.f && (weighted[m] > 0.f) == (sum > 0.f) && sum != 0.f) {
                    mixed += weighted[m];
                    divisor += __int_as_float(words[DELTA_WORDS * m]);
                }
            }
            divisor = divisor == 0.f ? 1.f : divisor;
        }
        out[i] = b + lambda * (normalize ? mixed / divisor : mixed);
    }
}
