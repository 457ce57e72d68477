// The merge kernels of kernels/src/main/cuda/merge.cu in OpenCL C 1.2, same algorithm and argument order;
// launched by dev.chorus.kernels.merge.opencl.OpenClMergeKernels. Every kernel walks its elements with a
// grid-stride loop, so any global size works. models holds the M input tensors back to back, n floats each.
// The math of each kernel is documented on dev.chorus.kernels.merge.MergeStep and in docs/merging.md.

#define BINS 256
#define DIGIT_BITS 8
#define DELTA_WORDS 9
#define NO_KEY 0xFFFFFFFFu
#define KEEP_ALL (1 << 24)
#define MAX_MODELS 16

// Philox4x32-10 (Random123), as dev.chorus.kernels.fusion.Philox4x32: counter c, key k.
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

inline uint delta_key(float delta) {
    return as_uint(delta) & 0x7FFFFFFFu;
}

// out = Σ_m coefficients[m]·x_m
kernel void k_weighted_sum(global float* out, global const float* models, int n, int count,
                           global const float* coefficients) {
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) {
        float sum = models[i] * coefficients[0];
        for (int m = 1; m < count; m++) {
            sum = fma(models[(size_t) m * n + i], coefficients[m], sum);
        }
        out[i] = sum;
    }
}

// partials[3·group + {0,1,2}] = this group's a·b, a·a, b·b for models 0 (a) and 1 (b); the host adds the
// groups in double. scratch holds 3·local size floats.
kernel void k_pair_statistics(global const float* models, int n, global float* partials, local float* scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    float ab = 0.f, aa = 0.f, bb = 0.f;
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) {
        const float a = models[i], b = models[(size_t) n + i];
        ab = fma(a, b, ab);
        aa = fma(a, a, aa);
        bb = fma(b, b, bb);
    }
    scratch[lid] = ab;
    scratch[size + lid] = aa;
    scratch[2 * size + lid] = bb;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = size / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            for (int s = 0; s < 3; s++) {
                scratch[s * size + lid] += scratch[s * size + lid + stride];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        for (int s = 0; s < 3; s++) {
            partials[3 * get_group_id(0) + s] = scratch[s * size];
        }
    }
}

// counts[d] += the number of values with digit d at shift whose higher bits equal prefix (RadixSelect on the
// host picks the digit holding the wanted rank): the values are model m's delta keys, or with tie_key other
// than NO_KEY, ~i for the elements i whose key is tie_key (to find the r-th such index). counts is zeroed by
// the host.
kernel void k_key_histogram(global const float* models, global const float* base, int n, int model, int shift,
                            uint prefix, uint tie_key, global uint* counts) {
    local uint bins[BINS];
    for (int b = get_local_id(0); b < BINS; b += get_local_size(0)) bins[b] = 0u;
    barrier(CLK_LOCAL_MEM_FENCE);
    global const float* x = models + (size_t) model * n;
    const bool all = shift + DIGIT_BITS >= 32;
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) {
        const uint key = delta_key(x[i] - base[i]);
        const uint value = tie_key == NO_KEY ? key : ~(uint) i;
        if ((tie_key == NO_KEY || key == tie_key) && (all || (value >> (shift + DIGIT_BITS)) == prefix)) {
            atomic_inc(&bins[(value >> shift) & (BINS - 1)]);
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int b = get_local_id(0); b < BINS; b += get_local_size(0)) {
        if (bins[b] != 0u) atomic_add(&counts[b], bins[b]);
    }
}

// Whether element index (of the tensor) with key passes one model's magnitude bounds (DeltaKeep.Bounds):
// w[2] low key, w[3] high key, w[4..5] low cut, w[6..7] high cut (low word first).
inline bool within_bounds(uint key, ulong index, global const int* w) {
    const uint low = (uint) w[2], high = (uint) w[3];
    const ulong low_cut = (ulong) (uint) w[4] | (ulong) (uint) w[5] << 32;
    const ulong high_cut = (ulong) (uint) w[6] | (ulong) (uint) w[7] << 32;
    return (key > low || (key == low && index < low_cut)) && (key < high || (key == high && index >= high_cut));
}

// MergeStep.DeltaMerge per element, in the order of DeltaCombiner (the Java backend), for a chunk that starts
// at element offset of its tensor. words holds, per model, DELTA_WORDS ints: weight bits, scale bits, the
// magnitude bounds (within_bounds), keep24 (DeltaKeep).
kernel void k_combine_deltas(global float* out, global const float* base, global const float* models, int n,
                             int count, global const int* words, int consensus, int normalize, float lambda,
                             float weight_sum, uint seed_lo, uint seed_hi, uint tensor_index, ulong offset) {
    float weighted[MAX_MODELS];
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) {
        const float b = base[i];
        const ulong index = offset + (ulong) i;
        float sum = 0.f;
        for (int m = 0; m < count; m++) {
            global const int* w = words + DELTA_WORDS * m;
            const float delta = models[(size_t) m * n + i] - b;
            bool keep = within_bounds(delta_key(delta), index, w);
            if (keep && w[8] != KEEP_ALL) {
                const ulong quad = index >> 2;
                const uint4 x = philox4x32_10((uint4) ((uint) quad, (uint) (quad >> 32), tensor_index, (uint) m),
                                              (uint2) (seed_lo, seed_hi));
                const uint lane = (uint) (index & 3);
                const uint word = lane == 0 ? x.x : lane == 1 ? x.y : lane == 2 ? x.z : x.w;
                keep = (int) (word >> 8) < w[8];
            }
            weighted[m] = keep ? as_float(w[0]) * (delta * as_float(w[1])) : 0.f;
            sum += weighted[m];
        }
        float mixed = sum, divisor = weight_sum;
        if (consensus) {
            mixed = 0.f;
            divisor = 0.f;
            for (int m = 0; m < count; m++) {
                if (weighted[m] != 0.f && (weighted[m] > 0.f) == (sum >= 0.f)) {
                    mixed += weighted[m];
                    divisor += as_float(words[DELTA_WORDS * m]);
                }
            }
            divisor = divisor == 0.f ? 1.f : divisor;
        }
        out[i] = b + lambda * (normalize ? mixed / divisor : mixed);
    }
}
