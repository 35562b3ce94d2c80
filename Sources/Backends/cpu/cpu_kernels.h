/*
 * cpu_kernels.h — the cpu backend's kernels, shared by its .c files only.
 *
 * cpu_backend.c owns the device model (buffers, plans, the exported table);
 * ops.c checks an op's shape and says how many bytes each tensor needs, and
 * runs it; kernels_*.c hold the arithmetic, one family per file.
 *
 * Numerics, the same in every kernel: each element is widened to fp32 by
 * load/load_row, all sums and intermediates are fp32 (no double anywhere,
 * no fused multiply-add), and results are rounded to the storage dtype to
 * nearest, ties to even, by store/store_row. Subnormals are preserved.
 */
#ifndef CPU_KERNELS_H
#define CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cb_support.h"
#include "certify_backend.h"

/* This backend's numerics, in one place: query() declares them and every
 * kernel's loads and stores apply them. */
#define CPU_ACCUMULATION CB_DTYPE_F32            /* every float sum and intermediate */
#define CPU_DENORMALS CB_DENORMALS_PRESERVE      /* IEEE gradual underflow, no FTZ/DAZ */
#define CPU_ROUNDING CB_ROUNDING_NEAREST_EVEN    /* of results to the storage dtype */

/* Runs a checked op on host memory. */
CBS_HIDDEN cb_status cpu_run(const cb_op *op, const void *const *in, void *const *out, cb_error *error);

/* ---- Element access with this backend's numerics ----------------------- */

static inline float load(uint32_t dtype, const void *tensor, size_t index) {
    return cbs_load(dtype, tensor, index, CPU_DENORMALS);
}
static inline void store(uint32_t dtype, void *tensor, size_t index, float value) {
    cbs_store(dtype, tensor, index, value, CPU_ROUNDING, CPU_DENORMALS);
}
static inline void load_row(uint32_t dtype, const void *tensor, size_t first, size_t count, float *out) {
    cbs_load_row(dtype, tensor, first, count, out, CPU_DENORMALS);
}
static inline void store_row(uint32_t dtype, void *tensor, size_t first, size_t count, const float *values) {
    cbs_store_row(dtype, tensor, first, count, values, CPU_ROUNDING, CPU_DENORMALS);
}

/* ---- Kernels (see certify_backend.h for each definition) ---------------- */

/* GEMM family: kernels_gemm.c */
CBS_HIDDEN cb_status k_gemm(uint32_t dtype, size_t m, size_t n, size_t k, const void *a, const void *b, void *c,
                            cb_error *error);
CBS_HIDDEN cb_status k_gemm_batched(uint32_t dtype, size_t batch, size_t m, size_t n, size_t k, const void *a,
                                    const void *b, void *c, cb_error *error);
CBS_HIDDEN cb_status k_gemm_i8(size_t m, size_t n, size_t k, const int8_t *a, const int8_t *b, int32_t *c,
                                cb_error *error);
CBS_HIDDEN cb_status k_gemm_wq(uint32_t dtype, int bits, size_t m, size_t n, size_t k, const void *a,
                               const int8_t *w, const void *s, void *c, cb_error *error);

/* Normalisations and softmax: kernels_norm.c */
CBS_HIDDEN cb_status k_softmax(uint32_t dtype, uint32_t flags, size_t rows, size_t cols, const void *x,
                               const int8_t *mask, void *y, cb_error *error);
CBS_HIDDEN cb_status k_rmsnorm(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x, const void *w,
                               void *y);
CBS_HIDDEN cb_status k_layernorm(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x,
                                 const void *g, const void *b, void *y);

/* Elementwise: kernels_elementwise.c */
CBS_HIDDEN cb_status k_silu(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status k_gelu_erf(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status k_gelu_tanh(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status k_swiglu(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);
CBS_HIDDEN cb_status k_add(uint32_t dtype, size_t count, const void *a, const void *b, void *y);
CBS_HIDDEN cb_status k_convert(uint32_t dtype, uint32_t to, size_t count, const void *x, void *y);

/* Position and attention: kernels_attention.c */
CBS_HIDDEN cb_status k_rope(uint32_t dtype, size_t tokens, size_t heads, size_t dim, size_t rot, float base,
                            int64_t offset, const void *x, void *y);
CBS_HIDDEN cb_status k_attention(uint32_t dtype, size_t q, size_t kv, size_t h, size_t g, size_t d, float scale,
                                 const void *qt, const void *kt, const void *vt, void *o, cb_error *error);

/* Gather, selection, reductions: kernels_select.c */
CBS_HIDDEN cb_status k_embedding(uint32_t dtype, size_t n, size_t v, size_t w, const void *table,
                                 const int32_t *ids, void *y, cb_error *error);
CBS_HIDDEN cb_status k_argmax(uint32_t dtype, size_t rows, size_t cols, const void *x, int32_t *out);
CBS_HIDDEN cb_status k_topk(uint32_t dtype, size_t rows, size_t cols, size_t k, const void *x, void *values,
                            int32_t *indices, cb_error *error);
CBS_HIDDEN cb_status k_reduce_sum(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);
CBS_HIDDEN cb_status k_reduce_max(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);

#endif /* CPU_KERNELS_H */
