// FUSION.md steps 1 to 3 and the top-n candidates of step 8. Launched by FuseLogitsCuda.
//
// k_member_moments: grid (chunks, members·batch), FUSE_THREADS threads. Each block reduces one chunk of
//   one member row to log-sum-exp moments of s = z / T and flags NaN / +inf logits.
// k_fuse_combine: grid (chunks, batch), FUSE_THREADS threads, 2·members floats of dynamic shared memory.
//   Each block merges the member moments of its row (log Z_m, max log-prob, and, in chunk 0, the member
//   statistics and the logit offset Λ), combines its chunk into the unnormalised fused scores f plus the row's bias
//   when it has one (written for k_sample), reduces
//   them to moments, and selects its chunk's topN best f as candidates for the top log-probabilities.
#include "fusion_common.cuh"

__device__ __forceinline__ size_t row_offset(int member, int b, int max_batch, int vocab) {
    return ((size_t) member * max_batch + b) * vocab;
}

extern "C" __global__ void __launch_bounds__(FUSE_THREADS, 4)
k_member_moments(const float* __restrict__ logits, const int* __restrict__ params, int param_stride,
                 int members, int batch, int max_batch, int vocab, int chunks, Moments* __restrict__ moments) {
    const int chunk = blockIdx.x, member = blockIdx.y / batch, b = blockIdx.y % batch;
    const float temperature = __int_as_float(params[b * param_stride + P_COEFFICIENTS + members + member]);
    const float* z = logits + row_offset(member, b, max_batch, vocab);
    const int base = chunk * FUSE_CHUNK + threadIdx.x;

    float s[FUSE_ITEMS];
    Moments own = moments_empty();
#pragma unroll
    for (int k = 0; k < FUSE_ITEMS; k++) {
        const int i = base + k * FUSE_THREADS;
        const float logit = i < vocab ? z[i] : -INFINITY;
        own.bad |= isnan(logit) || logit == INFINITY;
        s[k] = own.bad ? -INFINITY : logit / temperature;
        own.max = fmaxf(own.max, s[k]);
    }
    if (own.max > -INFINITY) {
#pragma unroll
        for (int k = 0; k < FUSE_ITEMS; k++) {
            if (s[k] > -INFINITY) {
                const float shift = s[k] - own.max, e = expf(shift);
                own.sum += e;
                own.weighted += e * shift;
            }
        }
    }
    own = block_reduce(own, MergeMoments(), moments_empty());
    if (threadIdx.x == 0) moments[(size_t) (member * max_batch + b) * chunks + chunk] = own;
}

// f_i of FUSION.md step 2 for token i, from the member logits z[m] = logits of member m at token i.
__device__ __forceinline__ float fuse_token(const int* __restrict__ p, int members, const float* __restrict__ logits,
                            size_t member_stride, size_t i, const float* log_z, const float* max_log_prob) {
    const int method = p[P_METHOD];
    const float* coefficient = (const float*) (p + P_COEFFICIENTS);
    const float* temperature = coefficient + members;
    if (method == M_CONTRASTIVE) {
        const float expert = logits[i] / temperature[0] - log_z[0];
        if (!(expert >= __int_as_float(p[P_LOG_ALPHA]) + max_log_prob[0])) return -INFINITY;
        const float amateur = logits[member_stride + i] / temperature[1] - log_z[1];
        return expert - __int_as_float(p[P_LAMBDA]) * fmaxf(amateur, -100.f);
    }
    if (method == M_LINEAR || method == M_MAX) {
        // log Σ w̄·p = logsumexp(log w̄ + lp) (online); a single member gives lp exactly.
        float top = -INFINITY, sum = 0.f;
        for (int m = 0; m < members; m++) {
            if (coefficient[m] == -INFINITY) continue;
            const float a = coefficient[m] + (logits[m * member_stride + i] / temperature[m] - log_z[m]);
            if (method == M_MAX || a == -INFINITY) {
                top = fmaxf(top, a);
            } else if (a > top) {
                sum = sum * expf(top - a) + 1.f;
                top = a;
            } else {
                sum += expf(a - top);
            }
        }
        return method == M_MAX || top == -INFINITY ? top : top + logf(sum);
    }
    // LOG_LINEAR sums w·lp, PROXY sums w·s; a −inf term of an active member makes f −inf.
    float acc = 0.f;
    for (int m = 0; m < members; m++) {
        if (coefficient[m] == 0.f) continue;
        float term = logits[m * member_stride + i] / temperature[m];
        if (method == M_LOG_LINEAR) term -= log_z[m];
        if (term == -INFINITY) return -INFINITY;
        acc += coefficient[m] * term;
    }
    return acc;
}

extern "C" __global__ void __launch_bounds__(FUSE_THREADS, 4)
k_fuse_combine(const float* __restrict__ logits, const float* __restrict__ bias, const int* __restrict__ params,
               int param_stride, int members, int max_batch, int vocab, int chunks, const Moments* __restrict__ moments, float* __restrict__ fused,
               Moments* __restrict__ fused_moments, Ranked* __restrict__ candidates, int max_top,
               int* __restrict__ results, int result_stride) {
    extern __shared__ float member_shared[];
    float* log_z = member_shared;
    float* max_log_prob = member_shared + members;
    const int chunk = blockIdx.x, b = blockIdx.y;
    const int* p = params + b * param_stride;

    for (int m = 0; m < members; m++) {
        const Moments* row = moments + (size_t) (m * max_batch + b) * chunks;
        Moments merged = moments_empty();
        for (int c = threadIdx.x; c < chunks; c += FUSE_THREADS) merged = MergeMoments()(merged, row[c]);
        merged = block_reduce(merged, MergeMoments(), moments_empty());
        if (threadIdx.x == 0) {
            const float log_sum = logf(merged.sum);
            log_z[m] = merged.max + log_sum;
            max_log_prob[m] = -log_sum;
            if (chunk == 0) {
                int* r = results + b * result_stride + R_TOP_TOKENS + 2 * max_top;
                r[m] = __float_as_int(log_sum - merged.weighted / merged.sum);  // H = log S − Σe·shift / S
                r[members + m] = __float_as_int(1.f / merged.sum);
                r[2 * members + m] = merged.bad || merged.max == -INFINITY;
            }
        }
    }
    __syncthreads();
    if (chunk == 0 && threadIdx.x == 0) {
        // Λ = Σ ŵ_m · log Z_m: the fused logits the penalties see are F + Λ.
        const float* share = (const float*) (p + P_COEFFICIENTS + 2 * members);
        float offset = 0.f;
        for (int m = 0; m < members; m++) {
            if (share[m] != 0.f) offset += share[m] * log_z[m];
        }
        results[b * result_stride + R_LOGIT_OFFSET] = __float_as_int(offset);
    }

    const size_t member_stride = (size_t) max_batch * vocab;
    const float* row_logits = logits + (size_t) b * vocab;
    float* row_fused = fused + (size_t) b * vocab;
    const float* row_bias = p[P_BIASED] ? bias + (size_t) b * vocab : nullptr;
    const int base = chunk * FUSE_CHUNK + threadIdx.x;
    float f[FUSE_ITEMS];
    Moments own = moments_empty();
#pragma unroll
    for (int k = 0; k < FUSE_ITEMS; k++) {
        const int i = base + k * FUSE_THREADS;
        f[k] = -INFINITY;
        if (i < vocab) {
            f[k] = fuse_token(p, members, row_logits, member_stride, i, log_z, max_log_prob);
            if (row_bias) f[k] += row_bias[i];
            row_fused[i] = f[k];
            own.bad |= isnan(f[k]) || f[k] == INFINITY;
            if (!own.bad) own.max = fmaxf(own.max, f[k]);
        }
    }
    if (own.max > -INFINITY) {
#pragma unroll
        for (int k = 0; k < FUSE_ITEMS; k++) {
            if (f[k] > -INFINITY && f[k] < INFINITY) own.sum += expf(f[k] - own.max);
        }
    }
    own = block_reduce(own, MergeMoments(), moments_empty());
    if (threadIdx.x == 0) fused_moments[(size_t) b * chunks + chunk] = own;

    // Top-n candidates of this chunk: n rounds of a block argmax, each excluding what earlier rounds took.
    const int top_n = p[P_TOP_N];
    Ranked previous = {INFINITY, -1};
    for (int round = 0; round < top_n; round++) {
        Ranked best = {-INFINITY, NO_TOKEN};
#pragma unroll
        for (int k = 0; k < FUSE_ITEMS; k++) {
            const Ranked item = {f[k], base + k * FUSE_THREADS};
            if (item.token < vocab && ranks_before(previous, item) && ranks_before(item, best)) best = item;
        }
        best = block_reduce(best, BestRanked(), Ranked{-INFINITY, NO_TOKEN});
        if (threadIdx.x == 0) candidates[((size_t) b * chunks + chunk) * max_top + round] = best;
        previous = best;  // once the chunk runs out, later rounds write "none"
    }
}
