// Device helpers shared by fuse_logits.cu and sample.cu: the word layouts of the per-row parameter and
// result buffers, Philox4x32-10, order-preserving float keys and warp-shuffle block reductions and scans.
//
// The layouts are mirrored by dev.chorus.kernels.fusion.gpu.DeviceLayout (host side) and fusion.cl
// (which receives them as -D options from that class); change the three together.
#pragma once

#include <stdint.h>
#include <math.h>

// k_member_moments / k_fuse_combine: one block of FUSE_THREADS owns a chunk of FUSE_CHUNK tokens of a
// row, FUSE_ITEMS per thread at stride FUSE_THREADS (coalesced), held in registers.
#define FUSE_THREADS 256
#define FUSE_ITEMS 8
#define FUSE_CHUNK (FUSE_THREADS * FUSE_ITEMS)
// k_sample: one block per sequence.
#define SAMPLE_THREADS 1024
#define RADIX_BITS 8
#define RADIX_BINS (1 << RADIX_BITS)
// Top-p masses are 2^40-scaled integers so that the histogram sums are exact and order-independent.
#define MASS_SCALE 1099511627776.0
#define NO_TOKEN 0x7fffffff

// Per-row parameter words (int32; floats stored as their bits). Then members coefficients
// (LINEAR/MAX: log of the normalised weight, -inf for a skipped member; LOG_LINEAR/PROXY: the weight,
// 0 skips), members temperatures and members shares of the logit offset Λ (FUSION.md step 4).
enum ParamWord {
    P_METHOD, P_TOP_K, P_TOP_N, P_HISTORY, P_STREAM, P_STEP, P_SEED_LO, P_SEED_HI, P_TEMPERATURE, P_TOP_P,
    P_MIN_P, P_REPETITION, P_PRESENCE, P_FREQUENCY, P_LAMBDA, P_LOG_ALPHA, P_PENALISED, P_BIASED, P_COEFFICIENTS
};
// Per-row result words. Then maxTop top tokens, maxTop top log-probs, and per member: entropy,
// max probability, bad-input flag. R_LOGIT_OFFSET carries Λ from k_fuse_combine to k_sample; R_LOG_Z,
// R_MAX_H and R_THRESHOLD describe the row's kept distribution for k_verify, which writes R_ACCEPTED.
enum ResultWord {
    R_TOKEN, R_LOGPROB, R_FUSED_BAD, R_TOP_COUNT, R_LOGIT_OFFSET, R_LOG_Z, R_MAX_H, R_THRESHOLD, R_ACCEPTED,
    R_TOP_TOKENS
};
// FusionMethod ordinals.
enum Method { M_LINEAR, M_LOG_LINEAR, M_MAX, M_CONTRASTIVE, M_PROXY };

// Log-sum-exp moments of a set of scores s: max, sum = Σ e^(s−max), weighted = Σ e^(s−max)·(s−max)
// (which gives the entropy), and a flag for NaN / +inf inputs. Merging is associative, so chunks reduce in
// any order.
struct Moments {
    float max;
    float sum;
    float weighted;
    int bad;
};

__device__ __forceinline__ Moments moments_empty() {
    Moments m = {-INFINITY, 0.f, 0.f, 0};
    return m;
}

// Rescales x's sums to the new maximum top (skipping an empty x, whose −inf max would give 0·inf).
__device__ __forceinline__ void moments_accumulate(Moments x, float top, float* sum, float* weighted) {
    if (x.max == -INFINITY) {
        return;
    }
    float shift = x.max - top;
    float scale = expf(shift);
    *sum += scale * x.sum;
    *weighted += scale * (x.weighted + shift * x.sum);
}

struct MergeMoments {
    __device__ __forceinline__ Moments operator()(Moments a, Moments b) const {
        Moments r;
        r.max = fmaxf(a.max, b.max);
        r.sum = 0.f;
        r.weighted = 0.f;
        r.bad = a.bad | b.bad;
        moments_accumulate(a, r.max, &r.sum, &r.weighted);
        moments_accumulate(b, r.max, &r.sum, &r.weighted);
        return r;
    }
};

// A (value, token) pair ordered by value descending, then token ascending; token NO_TOKEN is "none".
struct Ranked {
    float value;
    int token;
};

__device__ __forceinline__ bool ranks_before(Ranked a, Ranked b) {
    if (a.token == NO_TOKEN) return false;
    if (b.token == NO_TOKEN) return true;
    return a.value > b.value || (a.value == b.value && a.token < b.token);
}

struct BestRanked {
    __device__ __forceinline__ Ranked operator()(Ranked a, Ranked b) const { return ranks_before(b, a) ? b : a; }
};

struct Sum {
    template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};

__device__ __forceinline__ float shuffle_xor(float value, int mask) { return __shfl_xor_sync(0xffffffffu, value, mask); }

__device__ __forceinline__ double shuffle_xor(double value, int mask) { return __shfl_xor_sync(0xffffffffu, value, mask); }

__device__ __forceinline__ Moments shuffle_xor(Moments value, int mask) {
    Moments r = {shuffle_xor(value.max, mask), shuffle_xor(value.sum, mask), shuffle_xor(value.weighted, mask),
                 __shfl_xor_sync(0xffffffffu, value.bad, mask)};
    return r;
}

__device__ __forceinline__ Ranked shuffle_xor(Ranked value, int mask) {
    Ranked r = {shuffle_xor(value.value, mask), __shfl_xor_sync(0xffffffffu, value.token, mask)};
    return r;
}

// Reduces one value per thread of the block; every thread gets the result. blockDim.x is a multiple of
// 32. Warps reduce by shuffles, warp 0 reduces the warp results; `identity` pads the missing warps.
template <typename T, typename Op> __device__ T block_reduce(T value, Op op, T identity) {
    __shared__ T warp_results[32];
    __shared__ T result;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
    for (int mask = 16; mask > 0; mask >>= 1) value = op(value, shuffle_xor(value, mask));
    if (lane == 0) warp_results[warp] = value;
    __syncthreads();
    if (warp == 0) {
        value = lane < (int) (blockDim.x >> 5) ? warp_results[lane] : identity;
#pragma unroll
        for (int mask = 16; mask > 0; mask >>= 1) value = op(value, shuffle_xor(value, mask));
        if (lane == 0) result = value;
    }
    __syncthreads();
    T out = result;
    __syncthreads();  // the scratch may be reused by the next call
    return out;
}

// Prefix sums over the block in thread order: *before = Σ of the values of lower threads, *after =
// *before + value, computed so that thread t's *after is exactly thread t+1's *before; returns the total.
template <typename T> __device__ T block_scan(T value, T* before, T* after) {
    __shared__ T warp_sums[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    T inclusive = value;
#pragma unroll
    for (int offset = 1; offset < 32; offset <<= 1) {
        T other = __shfl_up_sync(0xffffffffu, inclusive, offset);
        if (lane >= offset) inclusive += other;
    }
    if (lane == 31) warp_sums[warp] = inclusive;
    __syncthreads();
    if (threadIdx.x == 0) {
        // A serial scan of the warp totals, so that warp w starts exactly where warp w − 1 ends.
        for (int w = 1; w < warps; w++) warp_sums[w] += warp_sums[w - 1];
    }
    __syncthreads();
    const T warp_before = warp > 0 ? warp_sums[warp - 1] : (T) 0;
    *after = warp_before + inclusive;
    const T lower = __shfl_up_sync(0xffffffffu, *after, 1);
    *before = lane > 0 ? lower : warp_before;
    const T total = warp_sums[warps - 1];
    __syncthreads();
    return total;
}

// Philox4x32-10 (Random123): counter c, key k.
__device__ __forceinline__ uint4 philox4x32_10(uint4 c, uint2 k) {
    const unsigned M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
#pragma unroll
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k.x += W0;
            k.y += W1;
        }
        unsigned hi0 = __umulhi(M0, c.x), lo0 = M0 * c.x;
        unsigned hi1 = __umulhi(M1, c.z), lo1 = M1 * c.z;
        c = make_uint4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// FUSION.md step 7: u = ((x0 >>> 5)·2^26 + (x1 >>> 6))·2^-53 from two Philox output words.
__device__ __forceinline__ double to_uniform(unsigned x0, unsigned x1) {
    return ((double) (x0 >> 5) * 67108864.0 + (double) (x1 >> 6)) * 0x1.0p-53;
}

// Step 7's uniform, for counter (step, stream, 0, 0).
__device__ __forceinline__ double philox_uniform(unsigned seed_lo, unsigned seed_hi, unsigned step, unsigned stream) {
    uint4 x = philox4x32_10(make_uint4(step, stream, 0u, 0u), make_uint2(seed_lo, seed_hi));
    return to_uniform(x.x, x.y);
}

// An unsigned key with the order of the float (−0 folded onto +0).
__device__ __forceinline__ unsigned order_key(float value) {
    unsigned bits = __float_as_uint(value + 0.0f);
    return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}
