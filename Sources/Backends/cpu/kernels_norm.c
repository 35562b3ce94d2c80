/*
 * kernels_norm.c — softmax (with causal and explicit masks), RMSNorm and
 * LayerNorm for the cpu backend. Sums are fp32, taken left to right.
 */
#include <math.h>
#include <stdlib.h>

#ifndef KERNEL /* the cpu backend; the emulator includes this file after its own numerics */
#include "cpu_kernels.h"
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

/* Y = softmax of each row of X: exp(x − max) / Σ exp(x − max) over the kept
 * entries; masked entries are −∞ before the softmax, so they come out 0.
 * Subtracting the row maximum keeps every exp ≤ 1. A row with every entry
 * masked outputs all zeros, as the header defines (not the NaN 0/0 the
 * formula would give). CB_SOFTMAX_CAUSAL keeps column j of row i when
 * j ≤ i + (cols − rows); CB_SOFTMAX_MASK keeps it when mask[i][j] != 0. */
cb_status KERNEL(softmax)(uint32_t dtype, uint32_t flags, size_t rows, size_t cols, const void *x, const int8_t *mask,
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
cb_status KERNEL(rmsnorm)(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x, const void *w, void *y) {
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
cb_status KERNEL(layernorm)(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x, const void *g,
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
        float variance = sum_squares / (unbiased ? (float)(cols - 1) : (float)cols);
        if (defect(CBS_DEFECT_LAYERNORM_ONE_PASS_VARIANCE)) { /* defect: E[x²] − E[x]², which cancels */
            float raw_squares = 0.0f;
            for (size_t j = 0; j < cols; j++) {
                raw_squares = raw_squares + load(dtype, x, base + j) * load(dtype, x, base + j);
            }
            variance = fmaxf(raw_squares / (float)cols - mean * mean, 0.0f);
        }
        const float inverse_std = 1.0f / sqrtf(variance + eps);
        for (size_t j = 0; j < cols; j++) {
            const float centred = load(dtype, x, base + j) - mean;
            store(dtype, y, base + j, centred * inverse_std * load(dtype, g, j) + load(dtype, b, j));
        }
    }
    return CB_STATUS_OK;
}
