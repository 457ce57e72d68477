// FUSION.md steps 3 to 8 for one sequence per block, after k_fuse_combine. Launched by SampleCuda.
//
// k_sample: grid (batch), SAMPLE_THREADS threads. The block merges the chunk moments of its fused row f
// into log Z_f (so F = f − log Z_f), merges the chunks' top-n candidates, applies the penalties in place
// to the fused logits L = F + Λ (f_t := g_t − Λ + log Z_f for the history tokens, after keeping their F in
// penalty_scratch), and chooses the
// token: greedy is the argmax; sampling finds the top-k and top-p thresholds by radix selection on
// order-preserving keys of h = g / τ (four 8-bit passes each, no sort), applies min-p, and scans the
// kept mass in token order in double precision to find the Philox uniform's token.
#include "fusion_common.cuh"

// h_i = g_i / τ, computed the same way by every pass so that thresholds and scans agree.
__device__ __forceinline__ float scaled_score(const float* row, int i, float log_z, float temperature) {
    return (row[i] - log_z) / temperature;
}

// The largest key K such that the weight of the tokens with key ≥ max(K, floor_key) reaches the goal:
// by count (weight 1, goal k: K is the k-th largest key) or by mass (weight e^(h − max h) in 2^40 fixed
// point, goal a fraction p of the mass at or above floor_key). One pass per 8-bit digit, most significant
// first; each pass histograms the tokens whose higher digits match the prefix chosen so far.
__device__ __forceinline__ unsigned radix_select(const float* row, int vocab, float log_z, float temperature, float max_h,
                                 unsigned floor_key, bool by_mass, double goal) {
    __shared__ unsigned long long bins[RADIX_BINS];
    __shared__ unsigned chosen_digit;
    __shared__ unsigned long long chosen_above;
    unsigned prefix = 0, mask = 0;
    unsigned long long above = 0;
    double target = by_mass ? -1.0 : goal;
    for (int shift = 32 - RADIX_BITS; shift >= 0; shift -= RADIX_BITS) {
        for (int d = threadIdx.x; d < RADIX_BINS; d += blockDim.x) bins[d] = 0;
        __syncthreads();
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            const float h = scaled_score(row, i, log_z, temperature);
            const unsigned key = order_key(h);
            if (key < floor_key || (key & mask) != prefix) continue;
            const unsigned long long weight =
                    by_mass ? (unsigned long long) ((double) expf(h - max_h) * MASS_SCALE) : 1ull;
            atomicAdd(&bins[(key >> shift) & (RADIX_BINS - 1)], weight);
        }
        __syncthreads();
        // Thread t holds digit RADIX_BINS − 1 − t, so the exclusive scan is the weight of higher digits.
        const int digit = RADIX_BINS - 1 - (int) threadIdx.x;
        const unsigned long long weight = digit >= 0 ? bins[digit] : 0ull;
        unsigned long long lower_digits, upto_digit;
        const unsigned long long level_total = block_scan(weight, &lower_digits, &upto_digit);
        const unsigned long long higher = above + lower_digits;
        if (target < 0) target = goal * (double) level_total;
        if (digit >= 0 && (double) higher < target && (double) (higher + weight) >= target) {
            chosen_digit = (unsigned) digit;
            chosen_above = higher;
        }
        __syncthreads();
        prefix |= chosen_digit << shift;
        mask |= (unsigned) (RADIX_BINS - 1) << shift;
        above = chosen_above;
    }
    return prefix;
}

// What the filters of steps 5 and 6 left of a row: token i's kept weight is e^(h_i − max h), or 0.
struct Kept {
    float log_z;
    float temperature;
    float max_h;
    unsigned threshold_key;
    double min_p;
};

__device__ __forceinline__ double kept_weight(const float* row, int i, Kept kept) {
    const float h = scaled_score(row, i, kept.log_z, kept.temperature);
    const double e = exp((double) h - (double) kept.max_h);
    return order_key(h) >= kept.threshold_key && e >= kept.min_p ? e : 0.0;
}

// The weight step 7 scans: the kept weight of the row or (verification, step 9) the residual max(0, P − Q)
// against the row `other`, with the kept masses mass and other_mass.
__device__ __forceinline__ double scan_weight(const float* row, const float* other, int i, Kept kept, Kept other_kept,
                                              double mass, double other_mass) {
    const double e = kept_weight(row, i, kept);
    if (other == nullptr) return e;
    return fmax(e / mass - kept_weight(other, i, other_kept) / other_mass, 0.0);
}

// Step 7: the smallest token whose cumulative scan_weight exceeds u · (their total). Thread t scans a
// contiguous segment; a block scan in double gives each segment's starting mass. `other` is null for a
// plain draw. `fallback` answers if rounding leaves u · total beyond every segment, or the total is 0.
__device__ __forceinline__ int sample_scan(const float* row, const float* other, int vocab, Kept kept, Kept other_kept,
                                           double mass, double other_mass, double u, int fallback) {
    __shared__ int chosen;
    const int per_thread = (vocab + blockDim.x - 1) / blockDim.x;
    const int begin = min((int) threadIdx.x * per_thread, vocab), end = min(begin + per_thread, vocab);
    double segment = 0.0;
    for (int i = begin; i < end; i++) segment += scan_weight(row, other, i, kept, other_kept, mass, other_mass);
    if (threadIdx.x == 0) chosen = NO_TOKEN;
    double before, after;
    const double target = u * block_scan(segment, &before, &after);
    if (before <= target && target < after) {
        double cumulative = before;
        int token = -1;
        for (int i = begin; i < end; i++) {
            const double e = scan_weight(row, other, i, kept, other_kept, mass, other_mass);
            if (e > 0.0) {
                token = i;
                cumulative += e;
                if (cumulative > target) break;
            }
        }
        atomicMin(&chosen, token);
    }
    __syncthreads();
    return chosen == NO_TOKEN ? fallback : chosen;
}

extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS, 1)
k_sample(float* __restrict__ fused, const int* __restrict__ params, int param_stride, int vocab, int chunks,
         const Moments* __restrict__ fused_moments, const Ranked* __restrict__ candidates, int max_top,
         const int* __restrict__ history, int max_history, float* __restrict__ penalty_scratch,
         int* __restrict__ results, int result_stride) {
    __shared__ float token_logprob;
    const int b = blockIdx.x;
    const int* p = params + b * param_stride;
    int* r = results + b * result_stride;
    float* row = fused + (size_t) b * vocab;
    const Ranked none = {-INFINITY, NO_TOKEN};

    Moments merged = moments_empty();
    for (int c = threadIdx.x; c < chunks; c += blockDim.x) merged = MergeMoments()(merged, fused_moments[b * chunks + c]);
    merged = block_reduce(merged, MergeMoments(), moments_empty());
    // No early return, as in fusion.cl (PoCL hangs on barriers that follow one).
    const bool usable = !merged.bad && merged.max > -INFINITY;
    if (threadIdx.x == 0) r[R_FUSED_BAD] = !usable;
    if (usable) {
        const float log_z = merged.max + logf(merged.sum);

        // Step 8's top-n: merge the per-chunk candidates by n rounds of a block argmax.
        const int top_n = p[P_TOP_N];
        Ranked previous = {INFINITY, -1};
        int found = 0;
        for (int round = 0; round < top_n; round++) {
            Ranked best = none;
            for (int index = threadIdx.x; index < chunks * top_n; index += blockDim.x) {
                const Ranked item = candidates[((size_t) b * chunks + index / top_n) * max_top + index % top_n];
                if (ranks_before(previous, item) && ranks_before(item, best)) best = item;
            }
            best = block_reduce(best, BestRanked(), none);
            if (threadIdx.x == 0 && best.token != NO_TOKEN) {
                r[R_TOP_TOKENS + found] = best.token;
                r[R_TOP_TOKENS + max_top + found] = __float_as_int(best.value - log_z);
            }
            found += best.token != NO_TOKEN;
            previous = best;
        }
        if (threadIdx.x == 0) r[R_TOP_COUNT] = found;

        // Step 4, in place: every occurrence keeps F of its token, then the first occurrence of each distinct
        // token penalises L = F + Λ and writes g − Λ + log Z_f, so that every later pass reads g − Λ through
        // the same f − log Z_f (a constant shift of g, which neither the argmax nor softmax sees).
        const int history_length = p[P_HISTORY];
        const int* tokens = history + (size_t) b * max_history;
        float* original = penalty_scratch + (size_t) b * max_history;
        if (p[P_PENALISED]) {
            for (int j = threadIdx.x; j < history_length; j += blockDim.x) original[j] = row[tokens[j]] - log_z;
            __syncthreads();
            const float repetition = __int_as_float(p[P_REPETITION]);
            const float presence = __int_as_float(p[P_PRESENCE]), frequency = __int_as_float(p[P_FREQUENCY]);
            const float logit_offset = __int_as_float(r[R_LOGIT_OFFSET]);
            for (int j = threadIdx.x; j < history_length; j += blockDim.x) {
                const int token = tokens[j];
                int count = 0;
                bool first = true;
                for (int k = 0; k < history_length; k++) {
                    if (tokens[k] == token) {
                        count++;
                        first &= k >= j;
                    }
                }
                if (first) {
                    float g = original[j] + logit_offset;
                    g = g <= 0.f ? g * repetition : g / repetition;
                    row[token] = g - ((float) count * frequency + presence) - logit_offset + log_z;
                }
            }
            __syncthreads();
        }

        // The argmax of g: the greedy token, and the maximum of h for sampling.
        Ranked best = none;
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            const Ranked item = {row[i], i};
            if (ranks_before(item, best)) best = item;
        }
        best = block_reduce(best, BestRanked(), none);
        int token = best.token;
        const float temperature = __int_as_float(p[P_TEMPERATURE]);
        if (temperature > 0.f) {
            const float max_h = scaled_score(row, best.token, log_z, temperature);
            const int top_k = p[P_TOP_K];
            const float top_p = __int_as_float(p[P_TOP_P]);
            unsigned threshold = 0;
            if (top_k > 0 && top_k < vocab) threshold = radix_select(row, vocab, log_z, temperature, max_h, 0, false, top_k);
            if (top_p < 1.f) threshold = radix_select(row, vocab, log_z, temperature, max_h, threshold, true, top_p);
            const double u = philox_uniform((unsigned) p[P_SEED_LO], (unsigned) p[P_SEED_HI], (unsigned) p[P_STEP],
                                            (unsigned) p[P_STREAM]);
            const Kept kept = {log_z, temperature, max_h, threshold, (double) __int_as_float(p[P_MIN_P])};
            token = sample_scan(row, nullptr, vocab, kept, kept, 1.0, 1.0, u, best.token);
            if (threadIdx.x == 0) {
                // What k_verify needs to rebuild this row's kept distribution.
                r[R_MAX_H] = __float_as_int(max_h);
                r[R_THRESHOLD] = (int) threshold;
            }
        }
        if (threadIdx.x == 0) r[R_LOG_Z] = __float_as_int(log_z);

        if (threadIdx.x == 0) token_logprob = row[token] - log_z;
        __syncthreads();
        if (p[P_PENALISED]) {
            for (int j = threadIdx.x; j < history_length; j += blockDim.x) {
                if (tokens[j] == token) token_logprob = original[j];  // every writer stores the same value
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) {
            r[R_TOKEN] = token;
            r[R_LOGPROB] = __float_as_int(token_logprob);
        }
    }
}

// FUSION.md step 9, after k_sample: grid (sampled proposals), SAMPLE_THREADS threads. Block v verifies the
// proposal (target row b, draft row a, token d) of `proposals`: P and Q are the kept distributions k_sample
// left in rows b and a; d is accepted when u_a · Q(d) < P(d), else row b's token becomes the draw from
// (P − Q)+ with u_r (Philox counter (step, stream, 1, 0): u_r from words 0, 1, u_a from words 2, 3).
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS, 1)
k_verify(const float* __restrict__ fused, const int* __restrict__ params, int param_stride, int vocab,
         const int* __restrict__ proposals, const int* __restrict__ history, int max_history,
         const float* __restrict__ penalty_scratch, int* __restrict__ results, int result_stride) {
    __shared__ float token_logprob;
    const int v = blockIdx.x;
    const int b = proposals[3 * v], a = proposals[3 * v + 1], d = proposals[3 * v + 2];
    const int* p = params + b * param_stride;
    const int* pa = params + a * param_stride;
    int* r = results + b * result_stride;
    const int* ra = results + a * result_stride;
    const float* target_row = fused + (size_t) b * vocab;
    const float* draft_row = fused + (size_t) a * vocab;
    const Kept target = {__int_as_float(r[R_LOG_Z]), __int_as_float(p[P_TEMPERATURE]), __int_as_float(r[R_MAX_H]),
                         (unsigned) r[R_THRESHOLD], (double) __int_as_float(p[P_MIN_P])};
    const Kept draft = {__int_as_float(ra[R_LOG_Z]), __int_as_float(pa[P_TEMPERATURE]), __int_as_float(ra[R_MAX_H]),
                        (unsigned) ra[R_THRESHOLD], (double) __int_as_float(pa[P_MIN_P])};
    const int free_draw = r[R_TOKEN];

    double own_target = 0.0, own_draft = 0.0;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        own_target += kept_weight(target_row, i, target);
        own_draft += kept_weight(draft_row, i, draft);
    }
    const double target_mass = block_reduce(own_target, Sum(), 0.0);
    const double draft_mass = block_reduce(own_draft, Sum(), 0.0);
    const uint4 x = philox4x32_10(make_uint4((unsigned) p[P_STEP], (unsigned) p[P_STREAM], 1u, 0u),
                                  make_uint2((unsigned) p[P_SEED_LO], (unsigned) p[P_SEED_HI]));
    const double residual_u = to_uniform(x.x, x.y), accept_u = to_uniform(x.z, x.w);
    const bool accepted = accept_u * (kept_weight(draft_row, d, draft) / draft_mass)
            < kept_weight(target_row, d, target) / target_mass;
    int token = d;
    if (!accepted) {
        token = sample_scan(target_row, draft_row, vocab, target, draft, target_mass, draft_mass, residual_u,
                            free_draw);
    }

    if (threadIdx.x == 0) token_logprob = target_row[token] - target.log_z;
    __syncthreads();
    if (p[P_PENALISED]) {
        const int* tokens = history + (size_t) b * max_history;
        const float* original = penalty_scratch + (size_t) b * max_history;
        for (int j = threadIdx.x; j < p[P_HISTORY]; j += blockDim.x) {
            if (tokens[j] == token) token_logprob = original[j];  // every writer stores the same value
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        r[R_TOKEN] = token;
        r[R_LOGPROB] = __float_as_int(token_logprob);
        r[R_ACCEPTED] = accepted;
    }
}
