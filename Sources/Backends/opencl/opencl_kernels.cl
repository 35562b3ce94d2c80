/*
 * opencl_kernels.cl — the battery's kernels in OpenCL C, for the certify
 * OpenCL backend. Built once per storage dtype with -DDT=<cb_dtype> and
 * -cl-fp32-correctly-rounded-divide-sqrt; scripts/build-real-backends embeds
 * this file into the plugin as a string.
 *
 * Storage: F32 as float; F16 as half through vload_half / vstore_half_rte
 * (no cl_khr_fp16 needed); BF16 as ushort, widened exactly by a shift and
 * rounded to nearest-even by integer arithmetic. All arithmetic is float;
 * every sum is taken in index order by one work-item.
 */

float ld_f32(__global const float *p, size_t i) { return p[i]; }
float ld_f16(__global const half *p, size_t i) { return vload_half(i, p); }
float ld_bf16(__global const ushort *p, size_t i) { return as_float(((uint)p[i]) << 16); }
void st_f32(__global float *p, size_t i, float v) { p[i] = v; }
void st_f16(__global half *p, size_t i, float v) { vstore_half_rte(v, i, p); }
void st_bf16(__global ushort *p, size_t i, float v) {
    uint u = as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        p[i] = (ushort)((u >> 16) | 0x40u); /* quiet NaN, sign and top payload kept */
        return;
    }
    u += 0x7fffu + ((u >> 16) & 1u);
    p[i] = (ushort)(u >> 16);
}

#if DT == 2
typedef half S;
#define LD(p, i) ld_f16((p), (i))
#define ST(p, i, v) st_f16((p), (i), (v))
#elif DT == 3
typedef ushort S;
#define LD(p, i) ld_bf16((p), (i))
#define ST(p, i, v) st_bf16((p), (i), (v))
#else
typedef float S;
#define LD(p, i) ld_f32((p), (i))
#define ST(p, i, v) st_f32((p), (i), (v))
#endif

/* C[b][m×n] = A[b][m×k] · B[b][k×n]; global (n, m, b). */
__kernel void gemm(__global const S *a, __global const S *b, __global S *c, ulong m, ulong n, ulong k) {
    size_t j = get_global_id(0), i = get_global_id(1), batch = get_global_id(2);
    __global const S *ab = a + batch * m * k;
    __global const S *bb = b + batch * k * n;
    float sum = 0.0f;
    for (size_t p = 0; p < k; p++) {
        sum += LD(ab, i * k + p) * LD(bb, p * n + j);
    }
    ST(c + batch * m * n, i * n + j, sum);
}

/* int8 GEMM, exact in int32; global (n, m). */
__kernel void gemm_i8(__global const char *a, __global const char *b, __global int *c, ulong m, ulong n, ulong k) {
    size_t j = get_global_id(0), i = get_global_id(1);
    int sum = 0;
    for (size_t p = 0; p < k; p++) {
        sum += (int)a[i * k + p] * (int)b[p * n + j];
    }
    c[i * n + j] = sum;
}

/* Weight-only int8 / int4: C = A · (W · diag(s)); bits = 8 or 4; global (n, m). */
__kernel void gemm_wq(__global const S *a, __global const char *w, __global const S *s, __global S *c, ulong m,
                      ulong n, ulong k, int bits) {
    size_t j = get_global_id(0), i = get_global_id(1);
    float scale = LD(s, j), sum = 0.0f;
    for (size_t p = 0; p < k; p++) {
        size_t e = p * n + j;
        int q;
        if (bits == 8) {
            q = w[e];
        } else {
            int byte = (int)(uchar)w[e / 2];
            int nibble = (e % 2 == 0) ? (byte & 15) : (byte >> 4);
            q = nibble >= 8 ? nibble - 16 : nibble;
        }
        sum += LD(a, i * k + p) * ((float)q * scale);
    }
    ST(c, i * n + j, sum);
}

/* Row softmax with causal / mask flags (1 = causal, 2 = mask); global (rows). */
__kernel void softmax(__global const S *x, __global const char *mask, __global S *y, ulong rows, ulong cols,
                      uint flags) {
    size_t r = get_global_id(0);
    long limit = (long)r + ((long)cols - (long)rows); /* causal: keep j <= limit */
    float mx = -INFINITY;
    for (size_t j = 0; j < cols; j++) {
        int kept = !((flags & 1u) && (long)j > limit) && !((flags & 2u) && mask[r * cols + j] == 0);
        if (kept) {
            float v = LD(x, r * cols + j);
            mx = (v > mx || isnan(v)) ? v : mx;
        }
    }
    if (mx == -INFINITY) { /* every entry masked (or all −Inf): zeros */
        for (size_t j = 0; j < cols; j++) {
            ST(y, r * cols + j, 0.0f);
        }
        return;
    }
    float sum = 0.0f;
    for (size_t j = 0; j < cols; j++) {
        int kept = !((flags & 1u) && (long)j > limit) && !((flags & 2u) && mask[r * cols + j] == 0);
        if (kept) {
            sum += exp(LD(x, r * cols + j) - mx);
        }
    }
    for (size_t j = 0; j < cols; j++) {
        int kept = !((flags & 1u) && (long)j > limit) && !((flags & 2u) && mask[r * cols + j] == 0);
        ST(y, r * cols + j, kept ? exp(LD(x, r * cols + j) - mx) / sum : 0.0f);
    }
}

/* Y = X / sqrt(mean(X²) + eps) · W; global (rows). */
__kernel void rmsnorm(__global const S *x, __global const S *w, __global S *y, ulong rows, ulong cols, float eps) {
    size_t r = get_global_id(0);
    float sum = 0.0f;
    for (size_t j = 0; j < cols; j++) {
        float v = LD(x, r * cols + j);
        sum += v * v;
    }
    float inv = 1.0f / sqrt(sum / (float)cols + eps);
    for (size_t j = 0; j < cols; j++) {
        ST(y, r * cols + j, LD(x, r * cols + j) * inv * LD(w, j));
    }
}

/* Y = (X − mean) / sqrt(var + eps) · G + B, two passes; global (rows). */
__kernel void layernorm(__global const S *x, __global const S *g, __global const S *b, __global S *y, ulong rows,
                        ulong cols, float eps) {
    size_t r = get_global_id(0);
    float sum = 0.0f;
    for (size_t j = 0; j < cols; j++) {
        sum += LD(x, r * cols + j);
    }
    float mean = sum / (float)cols, sq = 0.0f;
    for (size_t j = 0; j < cols; j++) {
        float d = LD(x, r * cols + j) - mean;
        sq += d * d;
    }
    float inv = 1.0f / sqrt(sq / (float)cols + eps);
    for (size_t j = 0; j < cols; j++) {
        ST(y, r * cols + j, (LD(x, r * cols + j) - mean) * inv * LD(g, j) + LD(b, j));
    }
}

float silu_f(float v) { return v / (1.0f + exp(-v)); }

/* op: 0 SiLU, 1 GELU erf, 2 GELU tanh; global (n). */
__kernel void unary(__global const S *x, __global S *y, ulong n, int op) {
    size_t i = get_global_id(0);
    float v = LD(x, i), r;
    if (op == 0) {
        r = silu_f(v);
    } else if (isinf(v)) {
        /* GELU at ±∞ (certify_backend.h, "Non-finite inputs"): +∞, and at −∞ its limit. The
         * formulas leave it to the device's tanh and erf: PoCL's tanh does not reach −1 at −∞,
         * so 0.5·v·(1 + tanh(…)) came out −∞. */
        r = v > 0.0f ? v : -0.0f;
    } else if (op == 1) {
        r = 0.5f * v * (1.0f + erf(v * M_SQRT1_2_F));
    } else {
        r = 0.5f * v * (1.0f + tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    }
    ST(y, i, r);
}

/* Y[r×c] = silu(X[:, 0:c]) · X[:, c:2c]; global (c, r). */
__kernel void swiglu(__global const S *x, __global S *y, ulong rows, ulong cols) {
    size_t j = get_global_id(0), r = get_global_id(1);
    ST(y, r * cols + j, silu_f(LD(x, r * 2 * cols + j)) * LD(x, r * 2 * cols + cols + j));
}

__kernel void add(__global const S *a, __global const S *b, __global S *y, ulong n) {
    size_t i = get_global_id(0);
    ST(y, i, LD(a, i) + LD(b, i));
}

/* op 0: sum (0 for an empty row), 1: max (NaN propagates, −Inf for an empty row); global (rows). */
__kernel void reduce(__global const S *x, __global S *y, ulong rows, ulong cols, int op) {
    size_t r = get_global_id(0);
    float acc = op == 0 ? 0.0f : -INFINITY;
    for (size_t j = 0; j < cols; j++) {
        float v = LD(x, r * cols + j);
        if (op == 0) {
            acc += v;
        } else if (isnan(v) || v > acc) {
            acc = v;
            if (isnan(v)) {
                break;
            }
        }
    }
    ST(y, r, acc);
}

/* a ranks before b: NaN largest, then larger value, then lower index. */
int before(float a, uint ia, float b, uint ib) {
    if (isnan(a) || isnan(b)) {
        return isnan(a) && isnan(b) ? ia < ib : isnan(a);
    }
    return a != b ? a > b : ia < ib;
}

__kernel void argmax(__global const S *x, __global int *out, ulong rows, ulong cols) {
    size_t r = get_global_id(0);
    float best = LD(x, r * cols);
    uint at = 0;
    for (uint j = 1; j < cols; j++) {
        float v = LD(x, r * cols + j);
        if (before(v, j, best, at)) {
            best = v;
            at = j;
        }
    }
    out[r] = (int)at;
}

/* The k first entries of each row in the order `before`; global (rows). */
__kernel void topk(__global const S *x, __global S *values, __global int *indices, ulong rows, ulong cols, ulong k) {
    size_t r = get_global_id(0);
    float prev = 0.0f;
    uint prev_at = 0;
    for (size_t t = 0; t < k; t++) {
        float best = 0.0f;
        uint at = (uint)cols;
        for (uint j = 0; j < cols; j++) {
            float v = LD(x, r * cols + j);
            if ((t == 0 || before(prev, prev_at, v, j)) && (at == (uint)cols || before(v, j, best, at))) {
                best = v;
                at = j;
            }
        }
        ST(values, r * k + t, best);
        indices[r * k + t] = (int)at;
        prev = best;
        prev_at = at;
    }
}

/* ChatGLM RoPE; global (h, t). */
__kernel void rope(__global const S *x, __global S *y, ulong t, ulong h, ulong d, ulong rot, float base, long offset) {
    size_t head = get_global_id(0), i = get_global_id(1);
    size_t row = (i * h + head) * d;
    float p = (float)(offset + (long)i);
    for (size_t q = 0; q < rot / 2; q++) {
        float theta = p * pow(base, -(float)(2 * q) / (float)rot);
        float c = cos(theta), s = sin(theta);
        float x0 = LD(x, row + 2 * q), x1 = LD(x, row + 2 * q + 1);
        ST(y, row + 2 * q, x0 * c - x1 * s);
        ST(y, row + 2 * q + 1, x1 * c + x0 * s);
    }
    for (size_t e = rot; e < d; e++) {
        ST(y, row + e, LD(x, row + e));
    }
}

#define MAX_HEAD_DIM 256
/* Causal multi-query attention, one (query, head) per work-item; global (h, q). */
__kernel void attention(__global const S *qm, __global const S *km, __global const S *vm, __global S *o, ulong nq,
                        ulong nkv, ulong h, ulong g, ulong d, float scale) {
    size_t head = get_global_id(0), i = get_global_id(1);
    size_t group = head / (h / g);
    long last = (long)i + ((long)nkv - (long)nq); /* attends to keys 0 … last */
    if (last >= (long)nkv) {
        last = (long)nkv - 1;
    }
    __global const S *qrow = qm + (i * h + head) * d;
    float acc[MAX_HEAD_DIM];
    for (size_t e = 0; e < d; e++) {
        acc[e] = 0.0f;
    }
    if (last < 0) {
        for (size_t e = 0; e < d; e++) {
            ST(o, (i * h + head) * d + e, 0.0f);
        }
        return;
    }
    float mx = -INFINITY;
    for (long l = 0; l <= last; l++) {
        float s = 0.0f;
        for (size_t e = 0; e < d; e++) {
            s += LD(qrow, e) * LD(km, ((size_t)l * g + group) * d + e);
        }
        s *= scale;
        mx = (s > mx || isnan(s)) ? s : mx;
    }
    float sum = 0.0f;
    for (long l = 0; l <= last; l++) {
        float s = 0.0f;
        for (size_t e = 0; e < d; e++) {
            s += LD(qrow, e) * LD(km, ((size_t)l * g + group) * d + e);
        }
        float p = exp(s * scale - mx);
        sum += p;
        for (size_t e = 0; e < d; e++) {
            acc[e] += p * LD(vm, ((size_t)l * g + group) * d + e);
        }
    }
    for (size_t e = 0; e < d; e++) {
        ST(o, (i * h + head) * d + e, acc[e] / sum);
    }
}

/* Y[n×w] = E[ids[i], :] (ids checked on the host), copied as bytes so every bit pattern,
 * NaN payloads included, survives; `size` is the element size; global (w, n). */
__kernel void embedding(__global const uchar *table, __global const int *ids, __global uchar *y, ulong n, ulong w,
                        ulong size) {
    size_t j = get_global_id(0), i = get_global_id(1);
    for (size_t b = 0; b < size; b++) {
        y[(i * w + j) * size + b] = table[((size_t)ids[i] * w + j) * size + b];
    }
}

/* Conversions from this program's dtype; correctly rounded, NaN and ±Inf kept. */
__kernel void convert_f32(__global const S *x, __global float *y) { size_t i = get_global_id(0); st_f32(y, i, LD(x, i)); }
__kernel void convert_f16(__global const S *x, __global half *y) { size_t i = get_global_id(0); st_f16(y, i, LD(x, i)); }
__kernel void convert_bf16(__global const S *x, __global ushort *y) { size_t i = get_global_id(0); st_bf16(y, i, LD(x, i)); }

/* ---- ABI 1.2 ------------------------------------------------------------ */

/* Y[r×c] = A[r×c] + B[c]; global (r·c). */
__kernel void add_bias(__global const S *a, __global const S *b, __global S *y, ulong cols) {
    size_t i = get_global_id(0);
    ST(y, i, LD(a, i) + LD(b, i % cols));
}

/* GEMM with C stored as fp32 (logits); global (n, m). */
__kernel void gemm_f32out(__global const S *a, __global const S *b, __global float *c, ulong m, ulong n, ulong k) {
    size_t j = get_global_id(0), i = get_global_id(1);
    float sum = 0.0f;
    for (size_t p = 0; p < k; p++) {
        sum += LD(a, i * k + p) * LD(b, p * n + j);
    }
    c[i * n + j] = sum;
}

/* Group-wise W4G (unsigned nibbles, bits 4) / W8G (signed bytes, bits 8):
 * C = A · ((W − Z)·S) per group of `group` rows; global (n, m). */
__kernel void gemm_wg(__global const S *a, __global const char *w, __global const S *s, __global const char *z,
                      __global S *c, ulong m, ulong n, ulong k, ulong group, int bits) {
    size_t j = get_global_id(0), i = get_global_id(1);
    float sum = 0.0f;
    for (size_t p = 0; p < k; p++) {
        size_t e = p * n + j, at = (p / group) * n + j;
        int q = bits == 8 ? (int)w[e] : ((e % 2 == 0) ? ((int)(uchar)w[e / 2] & 15) : ((int)(uchar)w[e / 2] >> 4));
        sum += LD(a, i * k + p) * ((float)(q - (int)z[at]) * LD(s, at));
    }
    ST(c, i * n + j, sum);
}

/* int8 GEMM, exact in int32, then · sa[i] · sb[j] in fp32 into this dtype; global (n, m). */
__kernel void gemm_i8_dequant(__global const char *a, __global const char *b, __global const float *sa,
                              __global const float *sb, __global S *c, ulong m, ulong n, ulong k) {
    size_t j = get_global_id(0), i = get_global_id(1);
    int sum = 0;
    for (size_t p = 0; p < k; p++) {
        sum += (int)a[i * k + p] * (int)b[p * n + j];
    }
    ST(c, i * n + j, (float)sum * sa[i] * sb[j]);
}

/* One query row of one head over `visible` keys whose rows KEY(l) (the index of
 * key l's first element of its group) the caller defines; as `attention`. */
#define ATTEND_ROW(QROW, OROW, VISIBLE, KEY)                                                   \
    do {                                                                                        \
        float acc[MAX_HEAD_DIM];                                                                \
        for (size_t e = 0; e < d; e++) {                                                        \
            acc[e] = 0.0f;                                                                      \
        }                                                                                       \
        if ((VISIBLE) == 0) {                                                                   \
            for (size_t e = 0; e < d; e++) {                                                    \
                ST(o, (OROW) + e, 0.0f);                                                        \
            }                                                                                   \
            return;                                                                             \
        }                                                                                       \
        float mx = -INFINITY;                                                                   \
        for (size_t l = 0; l < (VISIBLE); l++) {                                                \
            float sc = 0.0f;                                                                    \
            for (size_t e = 0; e < d; e++) {                                                    \
                sc += LD(qm, (QROW) + e) * LD(km, (KEY(l)) + e);                                \
            }                                                                                   \
            sc *= scale;                                                                        \
            mx = (sc > mx || isnan(sc)) ? sc : mx;                                              \
        }                                                                                       \
        float total = 0.0f;                                                                     \
        for (size_t l = 0; l < (VISIBLE); l++) {                                                \
            float sc = 0.0f;                                                                    \
            for (size_t e = 0; e < d; e++) {                                                    \
                sc += LD(qm, (QROW) + e) * LD(km, (KEY(l)) + e);                                \
            }                                                                                   \
            float p = exp(sc * scale - mx);                                                     \
            total += p;                                                                         \
            for (size_t e = 0; e < d; e++) {                                                    \
                acc[e] += p * LD(vm, (KEY(l)) + e);                                             \
            }                                                                                   \
        }                                                                                       \
        for (size_t e = 0; e < d; e++) {                                                        \
            ST(o, (OROW) + e, acc[e] / total);                                                  \
        }                                                                                       \
    } while (0)

/* A batch of sequences (lengths checked on the host); one (query row, head)
 * per work-item, its sequence found from the lengths; global (h, Σq). */
__kernel void attention_varlen(__global const S *qm, __global const S *km, __global const S *vm,
                               __global const int *ql, __global const int *kvl, __global S *o, ulong b, ulong h,
                               ulong g, ulong d, float scale) {
    size_t head = get_global_id(0), row = get_global_id(1);
    size_t group = head / (h / g), q0 = 0, k0 = 0, s = 0;
    while (s < b && row >= q0 + (size_t)ql[s]) {
        q0 += (size_t)ql[s];
        k0 += (size_t)kvl[s];
        s++;
    }
    long nq = ql[s], nkv = kvl[s];
    long last = (long)(row - q0) + (nkv - nq);
    size_t visible = last < 0 ? 0 : (size_t)min(last + 1, nkv);
#define VARLEN_KEY(l) (((k0 + (l)) * g + group) * d)
    ATTEND_ROW((row * h + head) * d, (row * h + head) * d, visible, VARLEN_KEY);
#undef VARLEN_KEY
}

/* One decode query per sequence over a paged cache (table and lengths checked
 * on the host); global (h, b). */
__kernel void attention_paged(__global const S *qm, __global const S *km, __global const S *vm,
                              __global const int *table, __global const int *lengths, __global S *o, ulong h,
                              ulong g, ulong d, ulong bs, ulong mb, float scale) {
    size_t head = get_global_id(0), s = get_global_id(1);
    size_t group = head / (h / g);
#define PAGED_KEY(l) ((((size_t)table[s * mb + (l) / bs] * bs + (l) % bs) * g + group) * d)
    ATTEND_ROW((s * h + head) * d, (s * h + head) * d, (size_t)lengths[s], PAGED_KEY);
#undef PAGED_KEY
}
