/*
 * kernels_gemm.c — GEMM, batched GEMM, int8 GEMM and weight-only int8/int4
 * GEMM for the cpu backend.
 *
 * Every float C[i][j] is an fp32 sum of its k products taken in order
 * p = 0 … k−1, starting from 0 (so k = 0 gives zeros). The loops are arranged
 * for speed without changing any sum: B is widened to fp32 one panel of rows
 * at a time, and for each row i the inner loop adds a_ip · B[p][·] to a whole
 * row of running sums, walking memory contiguously.
 */
#include <stdlib.h>
#include <string.h>

#ifndef KERNEL /* the cpu backend; the emulator includes this file after its own numerics */
#include "cpu_kernels.h"
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

/* Rows of B widened to fp32 at a time: PANEL_ROWS · n floats stay in cache. */
#define PANEL_ROWS 64

/* Widens rows p0 … p0+rows−1 of the k×n right-hand matrix into panel. */
typedef void (*widen_rows_fn)(const void *context, size_t p0, size_t rows, size_t n, float *panel);

typedef struct float_matrix {
    uint32_t dtype;
    const void *data;
} float_matrix;

/* The planted gemm-tf32-operands defect: a float rounded to TF32's 10 fraction bits. */
static float tf32(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    bits = (bits + 0x1000u) & 0xFFFFE000u;
    memcpy(&value, &bits, 4);
    return value;
}

static void widen_float_rows(const void *context, size_t p0, size_t rows, size_t n, float *panel) {
    const float_matrix *b = context;
    load_row(b->dtype, b->data, p0 * n, rows * n, panel);
}

/* The shared core: C[m×n] = A[m×k] · B, B reached through widen, C stored
 * as out_dtype (T, or F32 for logits). */
static cb_status gemm_core(uint32_t dtype, uint32_t out_dtype, size_t m, size_t n, size_t k, const void *a,
                           widen_rows_fn widen, const void *context, void *c, cb_error *error) {
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
    const int tf32_operands = defect(CBS_DEFECT_GEMM_TF32_OPERANDS) && dtype == CB_DTYPE_F32;
    for (size_t p0 = 0; p0 < k; p0 += panel_rows) {
        const size_t rows = k - p0 < panel_rows ? k - p0 : panel_rows;
        widen(context, p0, rows, n, panel); /* B[p0 … p0+rows−1][·] */
        for (size_t i = 0; i < m; i++) {
            load_row(dtype, a, i * k + p0, rows, a_part); /* A[i][p0 … p0+rows−1] */
            float *c_row = sums + i * n;
            for (size_t p = 0; p < rows; p++) {
                const float a_ip = tf32_operands ? tf32(a_part[p]) : a_part[p];
                const float *b_row = panel + p * n;
                for (size_t j = 0; j < n; j++) {
                    c_row[j] = c_row[j] + a_ip * (tf32_operands ? tf32(b_row[j]) : b_row[j]);
                    if (fp16_sums) { /* defect: the running sum kept in fp16 */
                        c_row[j] = cbs_f16_to_f32(cbs_f32_to_f16(c_row[j]));
                    }
                }
            }
        }
    }
    if (out_dtype != dtype && defect(CBS_DEFECT_LOGITS_ROUNDED_TO_STORAGE)) {
        for (size_t e = 0; e < m * n; e++) { /* defect: the fp32 logits rounded to the 16-bit T first */
            unsigned char narrow[4];
            store(dtype, narrow, 0, sums[e]);
            sums[e] = load(dtype, narrow, 0);
        }
    }
    store_row(out_dtype, c, 0, m * n, sums);
    free(sums);
    free(panel);
    free(a_part);
    return CB_STATUS_OK;
}

cb_status KERNEL(gemm)(uint32_t dtype, uint32_t out_dtype, size_t m, size_t n, size_t k, const void *a, const void *b,
                 void *c, cb_error *error) {
    const float_matrix matrix = {dtype, b};
    return gemm_core(dtype, out_dtype, m, n, k, a, widen_float_rows, &matrix, c, error);
}

/* Each batch is an independent GEMM on consecutive, densely packed matrices. */
cb_status KERNEL(gemm_batched)(uint32_t dtype, size_t batch, size_t m, size_t n, size_t k, const void *a, const void *b,
                         void *c, cb_error *error) {
    const size_t element = cbs_dtype_size(dtype);
    for (size_t i = 0; i < batch; i++) {
        const unsigned char *a_i = (const unsigned char *)a + i * m * k * element;
        const size_t b_batch = defect(CBS_DEFECT_GEMM_BATCHED_REUSES_B) ? 0 : i; /* defect: B[0] for all */
        const unsigned char *b_i = (const unsigned char *)b + b_batch * k * n * element;
        unsigned char *c_i = (unsigned char *)c + i * m * n * element;
        cb_status status = KERNEL(gemm)(dtype, dtype, m, n, k, a_i, b_i, c_i, error);
        if (status != CB_STATUS_OK) {
            return status;
        }
    }
    return CB_STATUS_OK;
}

/* sums[j] = Σ_p A[i][p]·B[p][j] for row i, exactly in int64, in the order p = 0 … k−1, so B is
 * read row by row. wrap16 is the planted i8-int16-accumulation defect: a wrapping int16 register. */
static void int8_row_sums(size_t i, size_t n, size_t k, const int8_t *a, const int8_t *b, int wrap16, int64_t *sums) {
    memset(sums, 0, n * sizeof(int64_t));
    for (size_t p = 0; p < k; p++) {
        const int64_t a_ip = a[i * k + p];
        const int8_t *b_row = b + p * n;
        for (size_t j = 0; j < n; j++) {
            sums[j] += a_ip * (int64_t)b_row[j];
            if (wrap16) {
                sums[j] = (int16_t)(uint16_t)(uint64_t)sums[j];
            }
        }
    }
}

/* Exact: every product of two int8 values fits in 15 bits, and each sum is
 * kept in 64 bits and then stored as int32 (exact whenever the true result
 * fits in int32, which it does for k < 2^17). Loops in the order i, p, j, so
 * B is read row by row, as in the float GEMM. */
cb_status KERNEL(gemm_i8)(size_t m, size_t n, size_t k, const int8_t *a, const int8_t *b, int32_t *c, cb_error *error) {
    if (m == 0 || n == 0) {
        return CB_STATUS_OK;
    }
    int64_t *sums = calloc(n, sizeof(int64_t));
    if (sums == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM_I8 cannot allocate its int64 working space");
    }
    for (size_t i = 0; i < m; i++) {
        int8_row_sums(i, n, k, a, b, defect(CBS_DEFECT_I8_INT16_ACCUMULATION), sums);
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
            if (q->bits == 8 && defect(CBS_DEFECT_W8_DEQUANT_FP16)) {
                /* defect: the dequantised weight kept in fp16, which overflows past 65504 */
                panel[p * n + j] = cbs_f16_to_f32(cbs_f32_to_f16(panel[p * n + j]));
            }
        }
    }
}

/* W8A16 / W4A16: C = A · (W · diag(S)), the weight dequantised to fp32 as
 * (float)w · s[j] and then summed exactly as GEMM does. */
cb_status KERNEL(gemm_wq)(uint32_t dtype, int bits, size_t m, size_t n, size_t k, const void *a, const int8_t *w,
                    const void *s, void *c, cb_error *error) {
    float *scales = n > 0 ? calloc(n, sizeof(float)) : NULL;
    if (n > 0 && scales == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM_W%d cannot allocate its scales", bits);
    }
    load_row(dtype, s, 0, n, scales);
    const quantised_matrix matrix = {bits, w, scales};
    cb_status status = gemm_core(dtype, dtype, m, n, k, a, widen_quantised_rows, &matrix, c, error);
    free(scales);
    return status;
}

typedef struct grouped_matrix {
    int bits; /* 8: signed bytes; 4: unsigned nibbles */
    size_t group;
    const int8_t *w, *zeros; /* Z[k/G × n] */
    const float *scales;     /* S[k/G × n], widened */
    size_t groups;           /* k/G */
} grouped_matrix;

/* The dequantised weight (w − z) · s of its group, the difference exact in
 * int, then one fp32 multiply. */
static void widen_grouped_rows(const void *context, size_t p0, size_t rows, size_t n, float *panel) {
    const grouped_matrix *q = context;
    for (size_t p = 0; p < rows; p++) {
        const size_t group = (p0 + p) / q->group;
        for (size_t j = 0; j < n; j++) {
            const size_t e = (p0 + p) * n + j;
            const int value = q->bits == 8 ? q->w[e] : (int)((uint8_t)q->w[e / 2] >> (e % 2 == 0 ? 0 : 4) & 0xFu);
            /* defect wg-scales-transposed: S read as [n × k/G], the layout of another checkpoint format */
            const size_t at = defect(CBS_DEFECT_WG_SCALES_TRANSPOSED) ? (j * q->groups + group) % (q->groups * n)
                                                                       : group * n + j;
            panel[p * n + j] = (float)(value - q->zeros[group * n + j]) * q->scales[at];
        }
    }
}

/* Group-wise W4G / W8G: C = A · Ŵ, Ŵ[p][j] = (W[p][j] − Z[p/G][j]) · S[p/G][j]
 * dequantised to fp32 and then summed exactly as GEMM does. */
cb_status KERNEL(gemm_wg)(uint32_t dtype, int bits, size_t m, size_t n, size_t k, size_t group, const void *a,
                    const int8_t *w, const void *s, const int8_t *z, void *c, cb_error *error) {
    const size_t groups = group > 0 ? k / group : 0;
    float *scales = groups * n > 0 ? calloc(groups * n, sizeof(float)) : NULL;
    if (groups * n > 0 && scales == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM_W%dG cannot allocate its scales", bits);
    }
    load_row(dtype, s, 0, groups * n, scales);
    const grouped_matrix matrix = {bits, group, w, z, scales, groups};
    cb_status status = gemm_core(dtype, dtype, m, n, k, a, widen_grouped_rows, &matrix, c, error);
    free(scales);
    return status;
}

/* C (dtype) = (A · B exact in int64, as GEMM_I8) · SA[i] · SB[j]: the sum
 * converted to fp32, then two fp32 multiplies, rounded once to the dtype. */
cb_status KERNEL(gemm_i8_dequant)(uint32_t dtype, size_t m, size_t n, size_t k, const int8_t *a, const int8_t *b,
                            const float *sa, const float *sb, void *c, cb_error *error) {
    if (m == 0 || n == 0) {
        return CB_STATUS_OK;
    }
    int64_t *sums = calloc(n, sizeof(int64_t));
    float *row = calloc(n, sizeof(float));
    if (sums == NULL || row == NULL) {
        free(sums);
        free(row);
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM_I8_DEQUANT cannot allocate its working space");
    }
    for (size_t i = 0; i < m; i++) {
        int8_row_sums(i, n, k, a, b, 0, sums);
        for (size_t j = 0; j < n; j++) {
            float sum = (float)sums[j];
            if (defect(CBS_DEFECT_I8_DEQUANT_FP16_SUM)) {
                sum = cbs_f16_to_f32(cbs_f32_to_f16(sum)); /* defect: the int32 sum passed through fp16 */
            }
            row[j] = sum * sa[i] * sb[j];
        }
        store_row(dtype, c, i * n, n, row);
    }
    free(sums);
    free(row);
    return CB_STATUS_OK;
}
