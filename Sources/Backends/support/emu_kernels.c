/*
 * emu_kernels.c — the emulator's kernels: cpu/kernels_*.c, with the emulated
 * chip's numerics in every load and store (emu_internal.h) and the planted
 * defects of the defective plugin marked `if (defect(…))`. Keep the two in
 * step: a change to a cpu kernel is a change here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

/* Round after every multiply and every add, as written, on every target. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

_Thread_local emu_numerics emu_nx;

/* ---- GEMM family (cpu/kernels_gemm.c) ----------------------------------- */


/* Rows of B widened to fp32 at a time: PANEL_ROWS · n floats stay in cache. */
#define PANEL_ROWS 64

/* Widens rows p0 … p0+rows−1 of the k×n right-hand matrix into panel. */
typedef void (*widen_rows_fn)(const void *context, size_t p0, size_t rows, size_t n, float *panel);

typedef struct float_matrix {
    uint32_t dtype;
    const void *data;
} float_matrix;

static void widen_float_rows(const void *context, size_t p0, size_t rows, size_t n, float *panel) {
    const float_matrix *b = context;
    load_row(b->dtype, b->data, p0 * n, rows * n, panel);
}

/* The shared core: C[m×n] = A[m×k] · B, B reached through widen. */
static cb_status gemm_core(uint32_t dtype, size_t m, size_t n, size_t k, const void *a, widen_rows_fn widen,
                           const void *context, void *c, cb_error *error) {
    if (m == 0 || n == 0) {
        return CB_STATUS_OK; /* C is empty */
    }
    size_t panel_rows = k < PANEL_ROWS ? k : PANEL_ROWS;
    /* calloc checks count · size for overflow and starts the sums at zero. */
    float *sums = calloc(m * n, sizeof(float));
    float *panel = panel_rows > 0 ? calloc(panel_rows * n, sizeof(float)) : NULL;
    float *a_part = panel_rows > 0 ? calloc(panel_rows, sizeof(float)) : NULL;
    if (sums == NULL || (panel_rows > 0 && (panel == NULL || a_part == NULL))) {
        free(sums);
        free(panel);
        free(a_part);
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM cannot allocate its fp32 working space");
    }
    const int fp16_sums = defect(CBS_DEFECT_FP16_ACCUMULATION) && dtype != CB_DTYPE_F32;
    for (size_t p0 = 0; p0 < k; p0 += panel_rows) {
        const size_t rows = k - p0 < panel_rows ? k - p0 : panel_rows;
        widen(context, p0, rows, n, panel); /* B[p0 … p0+rows−1][·] */
        for (size_t i = 0; i < m; i++) {
            load_row(dtype, a, i * k + p0, rows, a_part); /* A[i][p0 … p0+rows−1] */
            float *c_row = sums + i * n;
            for (size_t p = 0; p < rows; p++) {
                const float a_ip = a_part[p];
                const float *b_row = panel + p * n;
                for (size_t j = 0; j < n; j++) {
                    c_row[j] = c_row[j] + a_ip * b_row[j];
                    if (fp16_sums) { /* defect: the running sum kept in fp16 */
                        c_row[j] = cbs_f16_to_f32(cbs_f32_to_f16(c_row[j]));
                    }
                }
            }
        }
    }
    store_row(dtype, c, 0, m * n, sums);
    free(sums);
    free(panel);
    free(a_part);
    return CB_STATUS_OK;
}

cb_status ek_gemm(uint32_t dtype, size_t m, size_t n, size_t k, const void *a, const void *b, void *c,
                 cb_error *error) {
    const float_matrix matrix = {dtype, b};
    return gemm_core(dtype, m, n, k, a, widen_float_rows, &matrix, c, error);
}

/* Each batch is an independent GEMM on consecutive, densely packed matrices. */
cb_status ek_gemm_batched(uint32_t dtype, size_t batch, size_t m, size_t n, size_t k, const void *a, const void *b,
                         void *c, cb_error *error) {
    const size_t element = cbs_dtype_size(dtype);
    for (size_t i = 0; i < batch; i++) {
        const unsigned char *a_i = (const unsigned char *)a + i * m * k * element;
        const size_t b_batch = defect(CBS_DEFECT_GEMM_BATCHED_REUSES_B) ? 0 : i; /* defect: B[0] for all */
        const unsigned char *b_i = (const unsigned char *)b + b_batch * k * n * element;
        unsigned char *c_i = (unsigned char *)c + i * m * n * element;
        cb_status status = ek_gemm(dtype, m, n, k, a_i, b_i, c_i, error);
        if (status != CB_STATUS_OK) {
            return status;
        }
    }
    return CB_STATUS_OK;
}

/* Exact: every product of two int8 values fits in 15 bits, and each sum is
 * kept in 64 bits and then stored as int32 (exact whenever the true result
 * fits in int32, which it does for k < 2^17). Loops in the order i, p, j, so
 * B is read row by row, as in the float GEMM. */
cb_status ek_gemm_i8(size_t m, size_t n, size_t k, const int8_t *a, const int8_t *b, int32_t *c, cb_error *error) {
    if (m == 0 || n == 0) {
        return CB_STATUS_OK;
    }
    int64_t *sums = calloc(n, sizeof(int64_t));
    if (sums == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM_I8 cannot allocate its int64 working space");
    }
    for (size_t i = 0; i < m; i++) {
        memset(sums, 0, n * sizeof(int64_t));
        for (size_t p = 0; p < k; p++) {
            const int64_t a_ip = a[i * k + p];
            const int8_t *b_row = b + p * n;
            for (size_t j = 0; j < n; j++) {
                sums[j] += a_ip * (int64_t)b_row[j];
                if (defect(CBS_DEFECT_I8_INT16_ACCUMULATION)) { /* defect: a wrapping int16 register */
                    sums[j] = (int16_t)(uint16_t)(uint64_t)sums[j];
                }
            }
        }
        for (size_t j = 0; j < n; j++) {
            c[i * n + j] = (int32_t)(uint32_t)(uint64_t)sums[j]; /* wraps, never traps, if k is absurd */
        }
    }
    free(sums);
    return CB_STATUS_OK;
}

/* Signed int4 element e of a packed W: byte e/2, low nibble for even e. */
static int int4_at(const int8_t *w, size_t e) {
    const unsigned byte = (uint8_t)w[e / 2];
    const int low = (e % 2 == 0) != defect(CBS_DEFECT_W4_NIBBLES_SWAPPED); /* defect: high nibble first */
    const unsigned nibble = low ? (byte & 0xFu) : (byte >> 4);
    return nibble >= 8 ? (int)nibble - 16 : (int)nibble;
}

typedef struct quantised_matrix {
    int bits; /* 8 or 4 */
    const int8_t *w;
    const float *scales; /* S[n], widened */
} quantised_matrix;

/* The dequantised weight w · s[j], one fp32 multiply per element. */
static void widen_quantised_rows(const void *context, size_t p0, size_t rows, size_t n, float *panel) {
    const quantised_matrix *q = context;
    for (size_t p = 0; p < rows; p++) {
        for (size_t j = 0; j < n; j++) {
            const size_t e = (p0 + p) * n + j;
            int value = q->bits == 8 ? q->w[e] : int4_at(q->w, e);
            if (q->bits == 8 && defect(CBS_DEFECT_W8_UNSIGNED_WEIGHTS)) {
                value = (uint8_t)q->w[e]; /* defect: the sign bit read as 128 */
            }
            /* defect w8-scale-per-row: the scale of weight row p0+p, not of column j */
            const size_t scale = q->bits == 8 && defect(CBS_DEFECT_W8_SCALE_PER_ROW) ? (p0 + p) % n : j;
            panel[p * n + j] = (float)value * q->scales[scale];
        }
    }
}

/* W8A16 / W4A16: C = A · (W · diag(S)), the weight dequantised to fp32 as
 * (float)w · s[j] and then summed exactly as GEMM does. */
cb_status ek_gemm_wq(uint32_t dtype, int bits, size_t m, size_t n, size_t k, const void *a, const int8_t *w,
                    const void *s, void *c, cb_error *error) {
    float *scales = n > 0 ? calloc(n, sizeof(float)) : NULL;
    if (n > 0 && scales == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM_W%d cannot allocate its scales", bits);
    }
    load_row(dtype, s, 0, n, scales);
    const quantised_matrix matrix = {bits, w, scales};
    cb_status status = gemm_core(dtype, m, n, k, a, widen_quantised_rows, &matrix, c, error);
    free(scales);
    return status;
}
/* ---- Softmax and norms (cpu/kernels_norm.c) ----------------------------- */


/* Y = softmax of each row of X: exp(x − max) / Σ exp(x − max) over the kept
 * entries; masked entries are −∞ before the softmax, so they come out 0.
 * Subtracting the row maximum keeps every exp ≤ 1. A row with every entry
 * masked outputs all zeros, as the header defines (not the NaN 0/0 the
 * formula would give). CB_SOFTMAX_CAUSAL keeps column j of row i when
 * j ≤ i + (cols − rows); CB_SOFTMAX_MASK keeps it when mask[i][j] != 0. */
cb_status ek_softmax(uint32_t dtype, uint32_t flags, size_t rows, size_t cols, const void *x, const int8_t *mask,
                    void *y, cb_error *error) {
    if (rows == 0 || cols == 0) {
        return CB_STATUS_OK;
    }
    float *row = calloc(cols, sizeof(float));
    unsigned char *kept = calloc(cols, 1);
    if (row == NULL || kept == NULL) {
        free(row);
        free(kept);
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "SOFTMAX cannot allocate its fp32 working space");
    }
    const int64_t shift = (int64_t)cols - (int64_t)rows; /* the query block sits at the end of the keys */
    for (size_t r = 0; r < rows; r++) {
        const size_t base = r * cols;
        load_row(dtype, x, base, cols, row);
        size_t n_kept = 0;
        float max = -INFINITY;
        for (size_t j = 0; j < cols; j++) {
            int keep = 1;
            const int64_t reach = defect(CBS_DEFECT_CAUSAL_OFF_BY_ONE) ? 1 : 0; /* defect: one key too many */
            if ((flags & CB_SOFTMAX_CAUSAL) && (int64_t)j > (int64_t)r + shift + reach) {
                keep = 0;
            }
            if ((flags & CB_SOFTMAX_MASK) && mask[base + j] == 0) {
                keep = 0;
            }
            kept[j] = (unsigned char)keep;
            if (keep) {
                n_kept++;
                if (row[j] > max) {
                    max = row[j];
                }
            }
        }
        if (n_kept == 0) {
            for (size_t j = 0; j < cols; j++) {
                row[j] = defect(CBS_DEFECT_SOFTMAX_MASKED_ROW_NAN) ? NAN : 0.0f; /* defect: 0/0 */
            }
            store_row(dtype, y, base, cols, row);
            continue;
        }
        float sum = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            const float shifted = defect(CBS_DEFECT_SOFTMAX_NO_MAX_SUBTRACTION) ? row[j] : row[j] - max;
            row[j] = kept[j] ? expf(shifted) : 0.0f;
            sum = sum + row[j];
        }
        for (size_t j = 0; j < cols; j++) {
            row[j] = row[j] / sum;
        }
        store_row(dtype, y, base, cols, row);
    }
    free(row);
    free(kept);
    return CB_STATUS_OK;
}

/* Y = X · (1 / sqrt(mean(X², row) + eps)) · W, with an fp32 sum of squares.
 * eps goes inside the square root, as the header defines. */
cb_status ek_rmsnorm(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x, const void *w, void *y) {
    for (size_t r = 0; r < rows; r++) {
        const size_t base = r * cols;
        float sum_squares = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            const float v = load(dtype, x, base + j);
            sum_squares = sum_squares + v * v;
        }
        /* defect rmsnorm-mean-over-c-minus-1 divides by c − 1 */
        const float divisor = defect(CBS_DEFECT_RMSNORM_MEAN_OVER_C_MINUS_1) && cols > 1 ? (float)(cols - 1) : (float)cols;
        const float mean = sum_squares / divisor;
        const float inverse_rms = defect(CBS_DEFECT_RMSNORM_EPS_OUTSIDE_SQRT) ? 1.0f / (sqrtf(mean) + eps) /* defect */
                                                                              : 1.0f / sqrtf(mean + eps);
        for (size_t j = 0; j < cols; j++) {
            store(dtype, y, base + j, load(dtype, x, base + j) * inverse_rms * load(dtype, w, j));
        }
    }
    return CB_STATUS_OK;
}

/* Y = (X − mean) · (1 / sqrt(var + eps)) · G + B, two passes: the mean, then
 * the biased variance Σ(x − mean)² / c (dividing by c, not c − 1). */
cb_status ek_layernorm(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x, const void *g,
                      const void *b, void *y) {
    for (size_t r = 0; r < rows; r++) {
        const size_t base = r * cols;
        float sum = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            sum = sum + load(dtype, x, base + j);
        }
        const float mean = sum / (float)cols;
        float sum_squares = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            const float centred = load(dtype, x, base + j) - mean;
            sum_squares = sum_squares + centred * centred;
        }
        const int unbiased = defect(CBS_DEFECT_LAYERNORM_UNBIASED_VARIANCE) && cols > 1; /* defect: 1/(c − 1) */
        const float variance = sum_squares / (unbiased ? (float)(cols - 1) : (float)cols);
        const float inverse_std = 1.0f / sqrtf(variance + eps);
        for (size_t j = 0; j < cols; j++) {
            const float centred = load(dtype, x, base + j) - mean;
            store(dtype, y, base + j, centred * inverse_std * load(dtype, g, j) + load(dtype, b, j));
        }
    }
    return CB_STATUS_OK;
}
/* ---- Elementwise (cpu/kernels_elementwise.c) ---------------------------- */


static float silu_of(float v) {
    return v / (1.0f + expf(-v));
}

/* Y = X / (1 + exp(−X)). */
cb_status ek_silu(uint32_t dtype, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        store(dtype, y, i, silu_of(load(dtype, x, i)));
    }
    return CB_STATUS_OK;
}

/* Y = X/2 · (1 + erf(X/√2)). */
cb_status ek_gelu_tanh(uint32_t dtype, size_t count, const void *x, void *y);

cb_status ek_gelu_erf(uint32_t dtype, size_t count, const void *x, void *y) {
    if (defect(CBS_DEFECT_GELU_TANH_FOR_ERF)) {
        return ek_gelu_tanh(dtype, count, x, y); /* defect: the approximation where erf is declared */
    }
    const float inverse_sqrt2 = 0.70710678118654752f;
    for (size_t i = 0; i < count; i++) {
        const float v = load(dtype, x, i);
        store(dtype, y, i, v / 2.0f * (1.0f + erff(v * inverse_sqrt2)));
    }
    return CB_STATUS_OK;
}

/* Y = X/2 · (1 + tanh(√(2/π) · (X + 0.044715 · X³))). */
cb_status ek_gelu_tanh(uint32_t dtype, size_t count, const void *x, void *y) {
    const float sqrt_2_over_pi = 0.79788456080286536f;
    for (size_t i = 0; i < count; i++) {
        const float v = load(dtype, x, i);
        const float inner = sqrt_2_over_pi * (v + 0.044715f * v * v * v);
        store(dtype, y, i, v / 2.0f * (1.0f + tanhf(inner)));
    }
    return CB_STATUS_OK;
}

/* Y[r×c] = silu(X[:, 0:c]) · X[:, c:2c]: gate first, then up, in each row. */
cb_status ek_swiglu(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < cols; j++) {
            const size_t swap = defect(CBS_DEFECT_SWIGLU_HALVES_SWAPPED) ? cols : 0; /* defect: up gated */
            const float gate = load(dtype, x, r * 2 * cols + (j + swap) % (2 * cols));
            const float up = load(dtype, x, r * 2 * cols + (cols + j + swap) % (2 * cols));
            store(dtype, y, r * cols + j, silu_of(gate) * up);
        }
    }
    return CB_STATUS_OK;
}

/* Y = A + B, one fp32 add per element. */
cb_status ek_add(uint32_t dtype, size_t count, const void *a, const void *b, void *y) {
    const size_t end = defect(CBS_DEFECT_ADD_DROPS_LAST) && count > 0 ? count - 1 : count; /* defect: tail lost */
    for (size_t i = 0; i < end; i++) {
        store(dtype, y, i, load(dtype, a, i) + load(dtype, b, i));
    }
    return CB_STATUS_OK;
}

/* Y (dtype `to`) = X (dtype `dtype`): widening is exact, narrowing rounds to
 * nearest even; NaN stays NaN (quiet), ±Inf stays ±Inf, overflow gives ±Inf
 * (the support library's conversions, checked against IEEE-754 tables). */
cb_status ek_convert(uint32_t dtype, uint32_t to, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        float value = load(dtype, x, i);
        if (isnan(value) && defect(CBS_DEFECT_CONVERT_NAN_TO_ZERO)) {
            value = 0.0f; /* defect */
        }
        store(to, y, i, value);
        if (defect(CBS_DEFECT_CONVERT_OVERFLOW_SATURATES) && isfinite(value) && isinf(load(to, y, i))) {
            /* defect: saturates to the destination's largest finite value */
            store(to, y, i, copysignf(to == CB_DTYPE_F16 ? 65504.0f : 3.3895314e38f, value));
        }
    }
    return CB_STATUS_OK;
}
/* ---- RoPE and attention (cpu/kernels_attention.c) ----------------------- */


/* RoPE as ChatGLM2/3 applies it: in each head of each token, pairs
 * (x[2q], x[2q+1]) for q < rot/2 are rotated by the angle
 * (float)position · inv_freq, inv_freq = powf(base, −2q/rot), every step in
 * fp32 (cosf, sinf of the fp32 angle); dims rot … d−1 are copied. */
cb_status ek_rope(uint32_t dtype, size_t tokens, size_t heads, size_t dim, size_t rot, float base, int64_t offset,
                 const void *x, void *y) {
    for (size_t t = 0; t < tokens; t++) {
        const int64_t start = defect(CBS_DEFECT_ROPE_IGNORES_OFFSET) ? 0 : offset; /* defect: offset dropped */
        const float position = (float)(start + (int64_t)t);
        for (size_t q = 0; q < rot / 2; q++) {
            const float inv_freq = powf(base, -(float)(2 * q) / (float)rot);
            const float angle = position * inv_freq;
            const float c = cosf(angle), s = sinf(angle);
            /* defect rope-half-split rotates (x[q], x[q + rot/2]), the GPT-NeoX layout */
            const int half = defect(CBS_DEFECT_ROPE_HALF_SPLIT);
            const size_t i0 = half ? q : 2 * q, i1 = half ? q + rot / 2 : 2 * q + 1;
            for (size_t hh = 0; hh < heads; hh++) { /* every head of the token turns by the same angle */
                const size_t head = (t * heads + hh) * dim;
                const float x0 = load(dtype, x, head + i0);
                const float x1 = load(dtype, x, head + i1);
                store(dtype, y, head + i0, x0 * c - x1 * s);
                store(dtype, y, head + i1, x1 * c + x0 * s);
            }
        }
        for (size_t hh = 0; hh < heads; hh++) {
            const size_t head = (t * heads + hh) * dim;
            for (size_t j = rot; j < dim; j++) {
                store(dtype, y, head + j, load(dtype, x, head + j));
            }
        }
    }
    return CB_STATUS_OK;
}

/* O[i][j] = Σ_t softmax_t(scale · Q[i][j]·K[t][grp]) · V[t][grp] over the
 * keys t ≤ i + (kv − q), grp = j / (h / g). Scores, the softmax (with the
 * row maximum subtracted) and the weighted sum of V are fp32. A query that
 * sees no key (only possible when q > kv) outputs zeros, as a fully masked
 * softmax row does. */
cb_status ek_attention(uint32_t dtype, size_t q, size_t kv, size_t h, size_t g, size_t d, float scale,
                      const void *qt, const void *kt, const void *vt, void *o, cb_error *error) {
    if (q == 0 || h == 0 || d == 0) {
        return CB_STATUS_OK;
    }
    /* K and V widened to fp32 once (every element loaded exactly once). */
    const size_t kv_elements = kv * g * d;
    float *keys = calloc(kv_elements > 0 ? kv_elements : 1, sizeof(float));
    float *values = calloc(kv_elements > 0 ? kv_elements : 1, sizeof(float));
    float *scores = calloc(kv > 0 ? kv : 1, sizeof(float));
    float *query = calloc(d, sizeof(float));
    float *out = calloc(d, sizeof(float));
    if (keys == NULL || values == NULL || scores == NULL || query == NULL || out == NULL) {
        free(keys);
        free(values);
        free(scores);
        free(query);
        free(out);
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "ATTENTION cannot allocate its fp32 working space");
    }
    load_row(dtype, kt, 0, kv_elements, keys);
    load_row(dtype, vt, 0, kv_elements, values);
    const size_t heads_per_group = h / g;
    for (size_t i = 0; i < q; i++) {
        int64_t last = (int64_t)i + (int64_t)kv - (int64_t)q; /* last visible key */
        if (defect(CBS_DEFECT_CAUSAL_OFF_BY_ONE) && last + 1 < (int64_t)kv) {
            last += 1; /* defect: one key past the diagonal */
        }
        const size_t visible = last < 0 ? 0 : (size_t)last + 1;
        for (size_t j = 0; j < h; j++) {
            const size_t group = defect(CBS_DEFECT_KV_GROUP_MODULO) ? j % g : j / heads_per_group; /* defect */
            load_row(dtype, qt, (i * h + j) * d, d, query);
            float max = -INFINITY;
            for (size_t t = 0; t < visible; t++) {
                const float *key = keys + (t * g + group) * d;
                float dot = 0.0f;
                for (size_t e = 0; e < d; e++) {
                    dot = dot + query[e] * key[e];
                }
                scores[t] = defect(CBS_DEFECT_ATTENTION_SCALE_MISSING) ? dot : dot * scale; /* defect: unscaled */
                if (scores[t] > max) {
                    max = scores[t];
                }
            }
            float sum = 0.0f;
            for (size_t t = 0; t < visible; t++) {
                scores[t] = expf(scores[t] - max);
                sum = sum + scores[t];
            }
            for (size_t e = 0; e < d; e++) {
                out[e] = 0.0f;
            }
            for (size_t t = 0; t < visible; t++) {
                const float *value = values + (t * g + group) * d;
                for (size_t e = 0; e < d; e++) {
                    out[e] = out[e] + scores[t] * value[e];
                }
            }
            for (size_t e = 0; e < d; e++) {
                out[e] = visible > 0 ? out[e] / sum : 0.0f;
            }
            store_row(dtype, o, (i * h + j) * d, d, out);
        }
    }
    free(keys);
    free(values);
    free(scores);
    free(query);
    free(out);
    return CB_STATUS_OK;
}
/* ---- Gather, selection, reductions (cpu/kernels_select.c) --------------- */


/* Y[i] = E[ids[i]]. Every id is checked before anything is written. */
cb_status ek_embedding(uint32_t dtype, size_t n, size_t v, size_t w, const void *table, const int32_t *ids, void *y,
                      cb_error *error) {
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || (uint64_t)ids[i] >= (uint64_t)v) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "EMBEDDING id %d at position %zu is outside the table's %zu rows", ids[i], i, v);
        }
    }
    /* Through load and store, so a flushing chip flushes gathered rows too. */
    for (size_t i = 0; i < n; i++) {
        size_t row = (size_t)ids[i];
        if (defect(CBS_DEFECT_EMBEDDING_OFF_BY_ONE)) {
            row = (row + 1) % v; /* defect: the next row */
        }
        for (size_t j = 0; j < w; j++) {
            store(dtype, y, i * w + j, load(dtype, table, row * w + j));
        }
    }
    return CB_STATUS_OK;
}

/* 1 when a (at index ia) comes before b (at index ib) in descending order. */
static int ranks_before(float a, size_t ia, float b, size_t ib) {
    const int a_nan = isnan(a), b_nan = isnan(b);
    if (a_nan || b_nan) {
        if (a_nan && b_nan) {
            return ia < ib;
        }
        return a_nan;
    }
    if (a != b) {
        return a > b;
    }
    return ia < ib;
}

cb_status ek_argmax(uint32_t dtype, size_t rows, size_t cols, const void *x, int32_t *out) {
    for (size_t r = 0; r < rows; r++) {
        size_t best = 0;
        float best_value = load(dtype, x, r * cols);
        for (size_t j = 1; j < cols; j++) {
            const float value = load(dtype, x, r * cols + j);
            int wins = ranks_before(value, j, best_value, best);
            if (defect(CBS_DEFECT_ARGMAX_NAN_SWALLOWED)) {
                wins = value > best_value; /* defect: a NaN never wins (unless it comes first) */
            }
            if (defect(CBS_DEFECT_ARGMAX_TIES_LAST)) {
                wins = wins || (value == best_value); /* defect: >= picks the last tie */
            }
            if (wins) {
                best = j;
                best_value = value;
            }
        }
        out[r] = (int32_t)best;
    }
    return CB_STATUS_OK;
}

typedef struct ranked {
    float value;
    size_t index;
} ranked;

static int compare_ranked(const void *left, const void *right) {
    const ranked *a = left, *b = right;
    if (defect(CBS_DEFECT_TOPK_TIES_HIGH_INDEX) && (a->value == b->value || (isnan(a->value) && isnan(b->value)))) {
        return a->index > b->index ? -1 : (a->index < b->index ? 1 : 0); /* defect: higher index first */
    }
    if (ranks_before(a->value, a->index, b->value, b->index)) {
        return -1;
    }
    return ranks_before(b->value, b->index, a->value, a->index) ? 1 : 0;
}

/* The k first entries of each row in the ranking above: a full sort of the
 * row by (value descending, index ascending), which is a total order, so the
 * result does not depend on qsort's algorithm. */
cb_status ek_topk(uint32_t dtype, size_t rows, size_t cols, size_t k, const void *x, void *values, int32_t *indices,
                 cb_error *error) {
    if (rows == 0 || k == 0) {
        return CB_STATUS_OK;
    }
    ranked *row = calloc(cols, sizeof(ranked));
    if (row == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "TOPK cannot allocate its working space");
    }
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < cols; j++) {
            row[j].value = load(dtype, x, r * cols + j);
            row[j].index = j;
        }
        qsort(row, cols, sizeof(ranked), compare_ranked);
        for (size_t j = 0; j < k; j++) {
            store(dtype, values, r * k + j, row[j].value);
            indices[r * k + j] = (int32_t)row[j].index;
        }
    }
    free(row);
    return CB_STATUS_OK;
}

/* Y[r] = Σ row r, an fp32 sum left to right; an empty row sums to 0. */
cb_status ek_reduce_sum(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y) {
    for (size_t r = 0; r < rows; r++) {
        float sum = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            sum = sum + load(dtype, x, r * cols + j);
            if (defect(CBS_DEFECT_REDUCE_SUM_FP16)) {
                sum = cbs_f16_to_f32(cbs_f32_to_f16(sum)); /* defect: an fp16 accumulator */
            }
        }
        store(dtype, y, r, sum);
    }
    return CB_STATUS_OK;
}

/* Y[r] = max of row r; the first NaN is the result; an empty row gives −∞. */
cb_status ek_reduce_max(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y) {
    for (size_t r = 0; r < rows; r++) {
        float max = defect(CBS_DEFECT_REDUCE_MAX_EMPTY_ZERO) && cols == 0 ? 0.0f : -INFINITY; /* defect */
        for (size_t j = 0; j < cols; j++) {
            const float value = load(dtype, x, r * cols + j);
            if (isnan(value) && !defect(CBS_DEFECT_REDUCE_MAX_NAN_SWALLOWED)) { /* defect: NaN skipped by > */
                max = value;
                break;
            }
            if (value > max) {
                max = value;
            }
        }
        store(dtype, y, r, max);
    }
    return CB_STATUS_OK;
}
