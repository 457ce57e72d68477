// The fusion kernels of kernels/src/main/cuda (fuse_logits.cu, sample.cu) in OpenCL C 1.2, same
// algorithm and buffers; launched by FuseLogitsOpenCl and SampleOpenCl. The host passes every layout
// constant (P_*, R_*, M_*, FUSE_ITEMS, NO_TOKEN, RADIX_*, MASS_SCALE from DeviceLayout) and the work-group sizes
// FUSE_THREADS and SAMPLE_THREADS (powers of two; SAMPLE_THREADS ≥ RADIX_BINS) as -D options.
//
// The sampling scan accumulates in double where the device has cl_khr_fp64. Without it, the scan and the
// uniform are single precision: draws may then differ from the reference near interval ends (a few
// tokens in 10^7), and u keeps only 24 of its 53 bits.

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
#else
typedef float acc_t;
#endif

#define FUSE_CHUNK (FUSE_THREADS * FUSE_ITEMS)

typedef struct {
    float max;      // of the scores s
    float sum;      // Σ e^(s − max)
    float weighted; // Σ e^(s − max)·(s − max), which gives the entropy
    int bad;        // NaN or +inf seen
} Moments;

typedef struct {
    float value;
    int token;      // NO_TOKEN: none
} Ranked;

inline Moments moments_empty(void) {
    Moments m = {-INFINITY, 0.f, 0.f, 0};
    return m;
}

inline void moments_accumulate(Moments x, float top, float* sum, float* weighted) {
    if (x.max == -INFINITY) return;  // an empty x would give 0·inf
    const float shift = x.max - top;
    const float scale = exp(shift);
    *sum += scale * x.sum;
    *weighted += scale * (x.weighted + shift * x.sum);
}

inline Moments merge_moments(Moments a, Moments b) {
    Moments r;
    r.max = fmax(a.max, b.max);
    r.sum = 0.f;
    r.weighted = 0.f;
    r.bad = a.bad | b.bad;
    moments_accumulate(a, r.max, &r.sum, &r.weighted);
    moments_accumulate(b, r.max, &r.sum, &r.weighted);
    return r;
}

// Value descending, then token ascending.
inline bool ranks_before(Ranked a, Ranked b) {
    if (a.token == NO_TOKEN) return false;
    if (b.token == NO_TOKEN) return true;
    return a.value > b.value || (a.value == b.value && a.token < b.token);
}

inline Ranked best_ranked(Ranked a, Ranked b) {
    return ranks_before(b, a) ? b : a;
}

// Tree reductions in local memory over the whole work-group; every work-item gets the result.
inline Moments reduce_moments(Moments value, __local Moments* scratch) {
    const int t = get_local_id(0), n = get_local_size(0);
    scratch[t] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int width = n >> 1; width > 0; width >>= 1) {
        if (t < width) scratch[t] = merge_moments(scratch[t], scratch[t + width]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const Moments out = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return out;
}

inline Ranked reduce_ranked(Ranked value, __local Ranked* scratch) {
    const int t = get_local_id(0), n = get_local_size(0);
    scratch[t] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int width = n >> 1; width > 0; width >>= 1) {
        if (t < width) scratch[t] = best_ranked(scratch[t], scratch[t + width]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const Ranked out = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return out;
}

// Inclusive Hillis-Steele scan; *before of work-item t is exactly *after of t − 1. Returns the total.
#define DEFINE_SCAN(T, NAME)                                                                             \
    inline T NAME(T value, __local T* scratch, T* before, T* after) {                                   \
        const int t = get_local_id(0), n = get_local_size(0);                                           \
        scratch[t] = value;                                                                              \
        barrier(CLK_LOCAL_MEM_FENCE);                                                                    \
        for (int offset = 1; offset < n; offset <<= 1) {                                                \
            const T other = t >= offset ? scratch[t - offset] : (T) 0;                                   \
            barrier(CLK_LOCAL_MEM_FENCE);                                                                \
            scratch[t] += other;                                                                         \
            barrier(CLK_LOCAL_MEM_FENCE);                                                                \
        }                                                                                                \
        *after = scratch[t];                                                                             \
        *before = t > 0 ? scratch[t - 1] : (T) 0;                                                        \
        const T total = scratch[n - 1];                                                                  \
        barrier(CLK_LOCAL_MEM_FENCE);                                                                    \
        return total;                                                                                    \
    }
DEFINE_SCAN(ulong, scan_ulong)
DEFINE_SCAN(acc_t, scan_acc)

// Philox4x32-10 (Random123): counter c, key k.
inline uint4 philox4x32_10(uint4 c, uint2 k) {
    const uint M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k.x += W0;
            k.y += W1;
        }
        const uint hi0 = mul_hi(M0, c.x), lo0 = M0 * c.x;
        const uint hi1 = mul_hi(M1, c.z), lo1 = M1 * c.z;
        c = (uint4) (hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// FUSION.md step 7: u = ((x0 >>> 5)·2^26 + (x1 >>> 6))·2^-53 from two Philox output words.
inline acc_t to_uniform(uint x0, uint x1) {
    return ((acc_t) (x0 >> 5) * (acc_t) 67108864.0 + (acc_t) (x1 >> 6)) * (acc_t) 1.1102230246251565e-16;
}

// Step 7's uniform, for counter (step, stream, 0, 0).
inline acc_t philox_uniform(uint seed_lo, uint seed_hi, uint step, uint stream) {
    const uint4 x = philox4x32_10((uint4) (step, stream, 0u, 0u), (uint2) (seed_lo, seed_hi));
    return to_uniform(x.x, x.y);
}

// An unsigned key with the order of the float (−0 folded onto +0).
inline uint order_key(float value) {
    const uint bits = as_uint(value + 0.0f);
    return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

inline size_t row_offset(int member, int b, int max_batch, int vocab) {
    return ((size_t) member * max_batch + b) * vocab;
}

// ---- fuse_logits.cu ------------------------------------------------------------------------------------

__kernel __attribute__((reqd_work_group_size(FUSE_THREADS, 1, 1)))
void k_member_moments(__global const float* restrict logits, __global const int* restrict params,
                      int param_stride, int members, int batch, int max_batch, int vocab, int chunks,
                      __global Moments* restrict moments) {
    __local Moments scratch[FUSE_THREADS];
    const int chunk = get_group_id(0), member = get_group_id(1) / batch, b = get_group_id(1) % batch;
    const float temperature = as_float(params[b * param_stride + P_COEFFICIENTS + members + member]);
    __global const float* z = logits + row_offset(member, b, max_batch, vocab);
    const int base = chunk * FUSE_CHUNK + get_local_id(0);

    float s[FUSE_ITEMS];
    Moments own = moments_empty();
    for (int k = 0; k < FUSE_ITEMS; k++) {
        const int i = base + k * FUSE_THREADS;
        const float logit = i < vocab ? z[i] : -INFINITY;
        own.bad |= isnan(logit) || logit == INFINITY;
        s[k] = own.bad ? -INFINITY : logit / temperature;
        own.max = fmax(own.max, s[k]);
    }
    if (own.max > -INFINITY) {
        for (int k = 0; k < FUSE_ITEMS; k++) {
            if (s[k] > -INFINITY) {
                const float shift = s[k] - own.max, e = exp(shift);
                own.sum += e;
                own.weighted += e * shift;
            }
        }
    }
    own = reduce_moments(own, scratch);
    if (get_local_id(0) == 0) moments[(size_t) (member * max_batch + b) * chunks + chunk] = own;
}

// f_i of FUSION.md step 2 for token i of the member rows at `logits` (member m at m · member_stride).
inline float fuse_token(__global const int* p, int members, __global const float* logits, size_t member_stride,
                        size_t i, __local const float* log_z, __local const float* max_log_prob) {
    const int method = p[P_METHOD];
    if (method == M_CONTRASTIVE) {
        const float expert = logits[i] / as_float(p[P_COEFFICIENTS + members]) - log_z[0];
        if (!(expert >= as_float(p[P_LOG_ALPHA]) + max_log_prob[0])) return -INFINITY;
        const float amateur = logits[member_stride + i] / as_float(p[P_COEFFICIENTS + members + 1]) - log_z[1];
        return expert - as_float(p[P_LAMBDA]) * fmax(amateur, -100.f);
    }
    if (method == M_LINEAR || method == M_MAX) {
        // log Σ w̄·p = logsumexp(log w̄ + lp) (online); a single member gives lp exactly.
        float top = -INFINITY, sum = 0.f;
        for (int m = 0; m < members; m++) {
            const float coefficient = as_float(p[P_COEFFICIENTS + m]);
            if (coefficient == -INFINITY) continue;
            const float a = coefficient
                    + (logits[m * member_stride + i] / as_float(p[P_COEFFICIENTS + members + m]) - log_z[m]);
            if (method == M_MAX || a == -INFINITY) {
                top = fmax(top, a);
            } else if (a > top) {
                sum = sum * exp(top - a) + 1.f;
                top = a;
            } else {
                sum += exp(a - top);
            }
        }
        return method == M_MAX || top == -INFINITY ? top : top + log(sum);
    }
    // LOG_LINEAR sums w·lp, PROXY sums w·s; a −inf term of an active member makes f −inf.
    float acc = 0.f;
    for (int m = 0; m < members; m++) {
        const float coefficient = as_float(p[P_COEFFICIENTS + m]);
        if (coefficient == 0.f) continue;
        float term = logits[m * member_stride + i] / as_float(p[P_COEFFICIENTS + members + m]);
        if (method == M_LOG_LINEAR) term -= log_z[m];
        if (term == -INFINITY) return -INFINITY;
        acc += coefficient * term;
    }
    return acc;
}

__kernel __attribute__((reqd_work_group_size(FUSE_THREADS, 1, 1)))
void k_fuse_combine(__global const float* restrict logits, __global const float* restrict bias,
                    __global const int* restrict params, int param_stride,
                    int members, int max_batch, int vocab, int chunks, __global const Moments* restrict moments,
                    __global float* restrict fused, __global Moments* restrict fused_moments,
                    __global Ranked* restrict candidates, int max_top, __global int* restrict results,
                    int result_stride, __local float* member_shared) {
    __local Moments scratch[FUSE_THREADS];  // also the Ranked scratch: the reductions never overlap
    __local Moments* moment_scratch = scratch;
    __local Ranked* ranked_scratch = (__local Ranked*) scratch;
    __local float* log_z = member_shared;
    __local float* max_log_prob = member_shared + members;
    const int chunk = get_group_id(0), b = get_group_id(1), t = get_local_id(0);
    __global const int* p = params + b * param_stride;

    for (int m = 0; m < members; m++) {
        __global const Moments* row = moments + (size_t) (m * max_batch + b) * chunks;
        Moments merged = moments_empty();
        for (int c = t; c < chunks; c += FUSE_THREADS) merged = merge_moments(merged, row[c]);
        merged = reduce_moments(merged, moment_scratch);
        if (t == 0) {
            const float log_sum = log(merged.sum);
            log_z[m] = merged.max + log_sum;
            max_log_prob[m] = -log_sum;
            if (chunk == 0) {
                __global int* r = results + b * result_stride + R_TOP_TOKENS + 2 * max_top;
                r[m] = as_int(log_sum - merged.weighted / merged.sum);  // H = log S − Σe·shift / S
                r[members + m] = as_int(1.f / merged.sum);
                r[2 * members + m] = merged.bad || merged.max == -INFINITY;
            }
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (chunk == 0 && t == 0) {
        // Λ = Σ ŵ_m · log Z_m: the fused logits the penalties see are F + Λ.
        float offset = 0.f;
        for (int m = 0; m < members; m++) {
            const float share = as_float(p[P_COEFFICIENTS + 2 * members + m]);
            if (share != 0.f) offset += share * log_z[m];
        }
        results[b * result_stride + R_LOGIT_OFFSET] = as_int(offset);
    }

    const size_t member_stride = (size_t) max_batch * vocab;
    __global const float* row_logits = logits + (size_t) b * vocab;
    __global float* row_fused = fused + (size_t) b * vocab;
    const int biased = p[P_BIASED];
    __global const float* row_bias = bias + (size_t) b * vocab;
    const int base = chunk * FUSE_CHUNK + t;
    float f[FUSE_ITEMS];
    Moments own = moments_empty();
    for (int k = 0; k < FUSE_ITEMS; k++) {
        const int i = base + k * FUSE_THREADS;
        f[k] = -INFINITY;
        if (i < vocab) {
            f[k] = fuse_token(p, members, row_logits, member_stride, i, log_z, max_log_prob);
            if (biased) f[k] += row_bias[i];
            row_fused[i] = f[k];
            own.bad |= isnan(f[k]) || f[k] == INFINITY;
            if (!own.bad) own.max = fmax(own.max, f[k]);
        }
    }
    if (own.max > -INFINITY) {
        for (int k = 0; k < FUSE_ITEMS; k++) {
            if (f[k] > -INFINITY && f[k] < INFINITY) own.sum += exp(f[k] - own.max);
        }
    }
    own = reduce_moments(own, moment_scratch);
    if (t == 0) fused_moments[(size_t) b * chunks + chunk] = own;

    // Top-n candidates of this chunk: n rounds of a work-group argmax, each excluding earlier rounds' picks.
    const int top_n = p[P_TOP_N];
    Ranked previous = {INFINITY, -1};
    for (int round = 0; round < top_n; round++) {
        Ranked best = {-INFINITY, NO_TOKEN};
        for (int k = 0; k < FUSE_ITEMS; k++) {
            const Ranked item = {f[k], base + k * FUSE_THREADS};
            if (item.token < vocab && ranks_before(previous, item) && ranks_before(item, best)) best = item;
        }
        best = reduce_ranked(best, ranked_scratch);
        if (t == 0) candidates[((size_t) b * chunks + chunk) * max_top + round] = best;
        previous = best;  // once the chunk runs out, later rounds write "none"
    }
}

// ---- sample.cu -----------------------------------------------------------------------------------------

inline float scaled_score(__global const float* row, int i, float log_z, float temperature) {
    return (row[i] - log_z) / temperature;
}

// A 64-bit add into a (low, high) pair of local words with 32-bit atomics: exact, since the carry of the
// low word is detected from its old value.
inline void add_ulong(volatile __local uint* low_high, ulong x) {
    const uint low = (uint) x;
    const uint old = atomic_add(&low_high[0], low);
    const uint high = (uint) (x >> 32) + (old + low < old ? 1u : 0u);
    if (high != 0u) atomic_add(&low_high[1], high);
}

// The largest key K such that the weight of the tokens with key ≥ max(K, floor_key) reaches the goal:
// by count (goal k) or by mass (e^(h − max h) in 2^40 fixed point, goal a fraction p of the mass at or
// above floor_key). One pass per 8-bit digit, most significant first. `tokens` is vocab, or 0 to make the
// call a cheap no-op (see k_sample on why it is still called).
uint radix_select(__global const float* row, int tokens, float log_z, float temperature, float max_h,
                  uint floor_key, bool by_mass, acc_t goal, volatile __local uint* bins,
                  __local ulong* scan_scratch, __local uint* chosen) {
    const int t = get_local_id(0);
    uint prefix = 0, mask = 0;
    ulong above = 0;
    acc_t target = by_mass ? (acc_t) -1 : goal;
    for (int shift = 32 - RADIX_BITS; shift >= 0; shift -= RADIX_BITS) {
        for (int d = t; d < 2 * RADIX_BINS; d += SAMPLE_THREADS) bins[d] = 0u;
        if (t == 0) chosen[0] = chosen[1] = chosen[2] = 0u;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int i = t; i < tokens; i += SAMPLE_THREADS) {
            const float h = scaled_score(row, i, log_z, temperature);
            const uint key = order_key(h);
            if (key < floor_key || (key & mask) != prefix) continue;
            const ulong weight = by_mass ? (ulong) ((acc_t) exp(h - max_h) * (acc_t) MASS_SCALE) : 1ul;
            add_ulong(bins + 2 * ((key >> shift) & (RADIX_BINS - 1)), weight);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        // Work-item t holds digit RADIX_BINS − 1 − t, so the scan before it is the weight of higher digits.
        const int digit = RADIX_BINS - 1 - t;
        const ulong weight = digit >= 0 ? ((ulong) bins[2 * digit + 1] << 32) | bins[2 * digit] : 0ul;
        ulong lower_digits, upto_digit;
        const ulong level_total = scan_ulong(weight, scan_scratch, &lower_digits, &upto_digit);
        const ulong higher = above + lower_digits;
        if (target < 0) target = goal * (acc_t) level_total;
        if (digit >= 0 && (acc_t) higher < target && (acc_t) (higher + weight) >= target) {
            chosen[0] = (uint) digit;
            chosen[1] = (uint) higher;
            chosen[2] = (uint) (higher >> 32);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        prefix |= chosen[0] << shift;
        mask |= (uint) (RADIX_BINS - 1) << shift;
        above = ((ulong) chosen[2] << 32) | chosen[1];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    return prefix;
}

// Step 7: the smallest token whose cumulative scan_weight exceeds u · (their total); each work-item scans a
// contiguous segment of the first `tokens` (vocab, or 0 for a no-op), a work-group scan gives the segments'
// starting masses. `other` is 0 for a plain draw. NO_TOKEN when nothing was found.
// What the filters of steps 5 and 6 left of a row: token i's kept weight is e^(h_i − max h), or 0.
typedef struct {
    float log_z;
    float temperature;
    float max_h;
    uint threshold_key;
    acc_t min_p;
} Kept;

inline acc_t kept_weight(__global const float* row, int i, Kept kept) {
    const float h = scaled_score(row, i, kept.log_z, kept.temperature);
    const acc_t e = exp((acc_t) h - (acc_t) kept.max_h);
    return order_key(h) >= kept.threshold_key && e >= kept.min_p ? e : (acc_t) 0;
}

// The weight step 7 scans: the kept weight of the row or (verification, step 9) the residual
// max(0, P − Q) of the row `other` with the kept masses mass and other_mass.
inline acc_t scan_weight(__global const float* row, __global const float* other, int i, Kept kept, Kept other_kept,
                         acc_t mass, acc_t other_mass) {
    const acc_t e = kept_weight(row, i, kept);
    if (other == 0) return e;
    return fmax(e / mass - kept_weight(other, i, other_kept) / other_mass, (acc_t) 0);
}

int sample_scan(__global const float* row, __global const float* other, int tokens, Kept kept, Kept other_kept,
                acc_t mass, acc_t other_mass, acc_t u, __local acc_t* scan_scratch, volatile __local int* chosen) {
    const int t = get_local_id(0);
    const int per_item = (tokens + SAMPLE_THREADS - 1) / SAMPLE_THREADS;
    const int begin = min(t * per_item, tokens), end = min(begin + per_item, tokens);
    acc_t segment = 0;
    for (int i = begin; i < end; i++) segment += scan_weight(row, other, i, kept, other_kept, mass, other_mass);
    if (t == 0) *chosen = NO_TOKEN;
    acc_t before, after;
    const acc_t target = u * scan_acc(segment, scan_scratch, &before, &after);
    if (before <= target && target < after) {
        acc_t cumulative = before;
        int token = -1;
        for (int i = begin; i < end; i++) {
            const acc_t e = scan_weight(row, other, i, kept, other_kept, mass, other_mass);
            if (e > 0) {
                token = i;
                cumulative += e;
                if (cumulative > target) break;
            }
        }
        atomic_min(chosen, token);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int token = *chosen;
    barrier(CLK_LOCAL_MEM_FENCE);
    return token;
}

// Same steps as sample.cu's k_sample, but with no barrier under a condition: PoCL replicates the code
// after every conditional barrier and its kernel compilation explodes. So every stage runs for every row,
// a disabled stage with 0 tokens to visit (a few barriers, no pass over the vocabulary), and a row with
// no usable fused scores runs on harmless values while its R_FUSED_BAD flag tells the host to throw.
__kernel __attribute__((reqd_work_group_size(SAMPLE_THREADS, 1, 1)))
void k_sample(__global float* restrict fused, __global const int* restrict params, int param_stride, int vocab,
              int chunks, __global const Moments* restrict fused_moments, __global const Ranked* restrict candidates,
              int max_top, __global const int* restrict history, int max_history,
              __global float* restrict penalty_scratch, __global int* restrict results, int result_stride) {
    __local Moments scratch[SAMPLE_THREADS];  // shared by every reduction and scan: they never overlap
    __local Moments* moment_scratch = scratch;
    __local Ranked* ranked_scratch = (__local Ranked*) scratch;
    __local acc_t* acc_scratch = (__local acc_t*) scratch;
    __local ulong* ulong_scratch = (__local ulong*) scratch;
    __local uint bins[2 * RADIX_BINS];
    __local uint chosen_digit[3];
    __local int chosen_token;
    __local float token_logprob;
    const int b = get_group_id(0), t = get_local_id(0);
    __global const int* p = params + b * param_stride;
    __global int* r = results + b * result_stride;
    __global float* row = fused + (size_t) b * vocab;
    const Ranked none = {-INFINITY, NO_TOKEN};

    Moments merged = moments_empty();
    for (int c = t; c < chunks; c += SAMPLE_THREADS) merged = merge_moments(merged, fused_moments[b * chunks + c]);
    merged = reduce_moments(merged, moment_scratch);
    const bool usable = !merged.bad && merged.max > -INFINITY;
    if (t == 0) r[R_FUSED_BAD] = !usable;
    const float log_z = usable ? merged.max + log(merged.sum) : 0.f;

    // Step 8's top-n: merge the per-chunk candidates by n rounds of a work-group argmax.
    const int top_n = p[P_TOP_N];
    Ranked previous = {INFINITY, -1};
    int found = 0;
    for (int round = 0; round < top_n; round++) {
        Ranked best = none;
        for (int index = t; index < chunks * top_n; index += SAMPLE_THREADS) {
            const Ranked item = candidates[((size_t) b * chunks + index / top_n) * max_top + index % top_n];
            if (ranks_before(previous, item) && ranks_before(item, best)) best = item;
        }
        best = reduce_ranked(best, ranked_scratch);
        if (t == 0 && best.token != NO_TOKEN) {
            r[R_TOP_TOKENS + found] = best.token;
            r[R_TOP_TOKENS + max_top + found] = as_int(best.value - log_z);
        }
        found += best.token != NO_TOKEN;
        previous = best;
    }
    if (t == 0) r[R_TOP_COUNT] = found;

    // Step 4, in place: every occurrence keeps F of its token, then the first occurrence of each distinct
    // token penalises L = F + Λ and writes g − Λ + log Z_f, so that every later pass reads g − Λ through
    // the same f − log Z_f (a constant shift of g, which neither the argmax nor softmax sees).
    const int penalised = p[P_PENALISED] ? p[P_HISTORY] : 0;
    __global const int* tokens = history + (size_t) b * max_history;
    __global float* original = penalty_scratch + (size_t) b * max_history;
    for (int j = t; j < penalised; j += SAMPLE_THREADS) original[j] = row[tokens[j]] - log_z;
    barrier(CLK_GLOBAL_MEM_FENCE);
    const float repetition = as_float(p[P_REPETITION]);
    const float presence = as_float(p[P_PRESENCE]), frequency = as_float(p[P_FREQUENCY]);
    const float logit_offset = as_float(r[R_LOGIT_OFFSET]);
    for (int j = t; j < penalised; j += SAMPLE_THREADS) {
        const int token = tokens[j];
        int count = 0;
        bool first = true;
        for (int k = 0; k < penalised; k++) {
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
    barrier(CLK_GLOBAL_MEM_FENCE);

    // The argmax of g: the greedy token, and the maximum of h for sampling.
    Ranked best = none;
    for (int i = t; i < vocab; i += SAMPLE_THREADS) {
        const Ranked item = {row[i], i};
        if (ranks_before(item, best)) best = item;
    }
    best = reduce_ranked(best, ranked_scratch);

    const float temperature = as_float(p[P_TEMPERATURE]);
    const bool sampled = usable && temperature > 0.f;
    const float max_h = sampled ? scaled_score(row, best.token, log_z, temperature) : 0.f;
    const int top_k = p[P_TOP_K];
    const float top_p = as_float(p[P_TOP_P]);
    // Stage 0: top-k by count; stage 1: top-p by mass above the top-k threshold.
    uint threshold = 0;
    for (int stage = 0; stage < 2; stage++) {
        const bool active = sampled && (stage == 0 ? top_k > 0 && top_k < vocab : top_p < 1.f);
        const uint key = radix_select(row, active ? vocab : 0, log_z, temperature, max_h, threshold, stage == 1,
                                      stage == 0 ? (acc_t) top_k : (acc_t) top_p, bins, ulong_scratch, chosen_digit);
        threshold = active ? key : threshold;
    }
    const acc_t u = philox_uniform((uint) p[P_SEED_LO], (uint) p[P_SEED_HI], (uint) p[P_STEP], (uint) p[P_STREAM]);
    const Kept kept = {log_z, temperature, max_h, threshold, (acc_t) as_float(p[P_MIN_P])};
    const int drawn = sample_scan(row, 0, sampled ? vocab : 0, kept, kept, (acc_t) 1, (acc_t) 1, u, acc_scratch,
                                  &chosen_token);
    // The most likely token answers for greedy rows, and if rounding left u · total beyond every segment.
    const int token = drawn == NO_TOKEN ? best.token : drawn;

    if (t == 0) token_logprob = row[token] - log_z;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int j = t; j < penalised; j += SAMPLE_THREADS) {
        if (tokens[j] == token) token_logprob = original[j];  // every writer stores the same value
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (t == 0) {
        r[R_TOKEN] = token;
        r[R_LOGPROB] = as_int(token_logprob);
        // What k_verify needs to rebuild this row's kept distribution.
        r[R_LOG_Z] = as_int(log_z);
        r[R_MAX_H] = as_int(max_h);
        r[R_THRESHOLD] = (int) threshold;
    }
}

// ---- FUSION.md step 9: verification of proposals ------------------------------------------------------

inline Kept kept_of(__global const int* p, __global const int* r) {
    const Kept kept = {as_float(r[R_LOG_Z]), as_float(p[P_TEMPERATURE]), as_float(r[R_MAX_H]), (uint) r[R_THRESHOLD],
                       (acc_t) as_float(p[P_MIN_P])};
    return kept;
}

// After k_sample: one work-group per sampled proposal (target row b, draft row a, token d) in `proposals`.
// P and Q are the kept distributions k_sample left in rows b and a; d is accepted when u_a · Q(d) < P(d),
// else row b's token becomes the draw from (P − Q)+. Every stage runs for every proposal (no conditional
// barrier, see k_sample): an accepted one scans 0 tokens.
__kernel __attribute__((reqd_work_group_size(SAMPLE_THREADS, 1, 1)))
void k_verify(__global const float* restrict fused, __global const int* restrict params, int param_stride, int vocab,
              __global const int* restrict proposals, __global const int* restrict history, int max_history,
              __global const float* restrict penalty_scratch, __global int* restrict results, int result_stride) {
    __local acc_t scratch[SAMPLE_THREADS];
    __local int chosen_token;
    __local float token_logprob;
    const int v = get_group_id(0), t = get_local_id(0);
    const int b = proposals[3 * v], a = proposals[3 * v + 1], d = proposals[3 * v + 2];
    __global const int* p = params + b * param_stride;
    __global int* r = results + b * result_stride;
    __global const float* target_row = fused + (size_t) b * vocab;
    __global const float* draft_row = fused + (size_t) a * vocab;
    const Kept target = kept_of(p, r), draft = kept_of(params + a * param_stride, results + a * result_stride);
    const int free_draw = r[R_TOKEN];

    acc_t own_target = 0, own_draft = 0;
    for (int i = t; i < vocab; i += SAMPLE_THREADS) {
        own_target += kept_weight(target_row, i, target);
        own_draft += kept_weight(draft_row, i, draft);
    }
    acc_t before, after;
    const acc_t target_mass = scan_acc(own_target, scratch, &before, &after);
    const acc_t draft_mass = scan_acc(own_draft, scratch, &before, &after);
    const uint4 x = philox4x32_10((uint4) ((uint) p[P_STEP], (uint) p[P_STREAM], 1u, 0u),
                                  (uint2) ((uint) p[P_SEED_LO], (uint) p[P_SEED_HI]));
    const acc_t residual_u = to_uniform(x.x, x.y), accept_u = to_uniform(x.z, x.w);
    const bool accepted = accept_u * (kept_weight(draft_row, d, draft) / draft_mass)
            < kept_weight(target_row, d, target) / target_mass;
    const int drawn = sample_scan(target_row, draft_row, accepted ? 0 : vocab, target, draft, target_mass, draft_mass,
                                  residual_u, scratch, &chosen_token);
    const int token = accepted ? d : drawn == NO_TOKEN ? free_draw : drawn;

    const int penalised = p[P_PENALISED] ? p[P_HISTORY] : 0;
    __global const int* tokens = history + (size_t) b * max_history;
    __global const float* original = penalty_scratch + (size_t) b * max_history;
    if (t == 0) token_logprob = target_row[token] - target.log_z;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int j = t; j < penalised; j += SAMPLE_THREADS) {
        if (tokens[j] == token) token_logprob = original[j];  // every writer stores the same value
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (t == 0) {
        r[R_TOKEN] = token;
        r[R_LOGPROB] = as_int(token_logprob);
        r[R_ACCEPTED] = accepted;
    }
}
