/*
 * kernels_select.c — embedding gather, argmax, top-k and row reductions for
 * the cpu backend.
 *
 * Order used by argmax and top-k: NaN is larger than any number, equal
 * values (including −0 and +0, and NaN against NaN) are ordered by the lower
 * index first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef KERNEL /* the cpu backend; the emulator includes this file after its own numerics */
#include "cpu_kernels.h"
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

/* Y[i] = E[ids[i]]. Every id is checked before anything is written. Here rows
 * are copied bit for bit (a gather does no arithmetic); the emulator goes
 * through load and store instead, so a flushing chip flushes gathered rows. */
cb_status KERNEL(embedding)(uint32_t dtype, size_t n, size_t v, size_t w, const void *table, const int32_t *ids, void *y,
                      cb_error *error) {
    for (size_t i = 0; i < n; i++) {
        if ((ids[i] < 0 || (uint64_t)ids[i] >= (uint64_t)v) && !defect(CBS_DEFECT_EMBEDDING_CLAMPS_IDS)) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "EMBEDDING id %d at position %zu is outside the table's %zu rows", ids[i], i, v);
        }
    }
    const size_t row_bytes = w * cbs_dtype_size(dtype);
    for (size_t i = 0; i < n; i++) {
        size_t row = (size_t)ids[i];
        if (defect(CBS_DEFECT_EMBEDDING_CLAMPS_IDS)) { /* defect: an id outside the table is clamped into it */
            row = ids[i] < 0 ? 0 : (uint64_t)ids[i] >= (uint64_t)v ? v - 1 : (size_t)ids[i];
        }
        if (defect(CBS_DEFECT_EMBEDDING_OFF_BY_ONE)) {
            row = (row + 1) % v; /* defect: the next row */
        }
        if (KERNEL_GATHER_BY_COPY) {
            if (row_bytes > 0) {
                memcpy((unsigned char *)y + i * row_bytes, (const unsigned char *)table + row * row_bytes, row_bytes);
            }
        } else {
            for (size_t j = 0; j < w; j++) {
                store(dtype, y, i * w + j, load(dtype, table, row * w + j));
            }
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

cb_status KERNEL(argmax)(uint32_t dtype, size_t rows, size_t cols, const void *x, int32_t *out) {
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
            if (defect(CBS_DEFECT_ARGMAX_LAST_NAN) && isnan(value)) {
                wins = 1; /* defect: every NaN replaces the best so far, so the last one wins */
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
cb_status KERNEL(topk)(uint32_t dtype, size_t rows, size_t cols, size_t k, const void *x, void *values, int32_t *indices,
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
cb_status KERNEL(reduce_sum)(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y) {
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
cb_status KERNEL(reduce_max)(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y) {
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
