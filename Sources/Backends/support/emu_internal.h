/*
 * emu_internal.h — the emulator's kernels, shared by emulator.c, emu_ops.c
 * and emu_kernels.c only (not part of cb_support.h).
 *
 * The kernels are cpu/kernels_*.c operation for operation (same loop orders,
 * fp32 sums in the same order, no fused multiply-add), so an emulator
 * configured like the cpu backend gives bit-identical results. What differs
 * is the numerics each load and store applies — the emulated chip's, set by
 * execute in emu_nx for the duration of one kernel on this thread — and the
 * planted defect, which a few kernels consult.
 */
#ifndef EMU_INTERNAL_H
#define EMU_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cb_support.h"

/* The numerics of the kernel running on this thread. */
typedef struct emu_numerics {
    cb_denormals denormals;    /* applied to every load and store */
    cb_rounding f16_rounding;  /* of results stored as F16 */
    cb_rounding bf16_rounding; /* of results stored as BF16 */
    cbs_defect defect;
} emu_numerics;

CBS_HIDDEN extern _Thread_local emu_numerics emu_nx;

CBS_HIDDEN cb_status emu_run(const cb_op *op, const void *const *in, void *const *out, cb_error *error);

static inline cb_rounding emu_rounding(uint32_t dtype) {
    return dtype == CB_DTYPE_F16 ? emu_nx.f16_rounding
           : dtype == CB_DTYPE_BF16 ? emu_nx.bf16_rounding
                                    : CB_ROUNDING_NEAREST_EVEN;
}
static inline float load(uint32_t dtype, const void *tensor, size_t index) {
    return cbs_load(dtype, tensor, index, emu_nx.denormals);
}
static inline void store(uint32_t dtype, void *tensor, size_t index, float value) {
    cbs_store(dtype, tensor, index, value, emu_rounding(dtype), emu_nx.denormals);
}
static inline void load_row(uint32_t dtype, const void *tensor, size_t first, size_t count, float *out) {
    cbs_load_row(dtype, tensor, first, count, out, emu_nx.denormals);
}
static inline void store_row(uint32_t dtype, void *tensor, size_t first, size_t count, const float *values) {
    cbs_store_row(dtype, tensor, first, count, values, emu_rounding(dtype), emu_nx.denormals);
}
static inline int defect(cbs_defect which) {
    return emu_nx.defect == which;
}

/* GEMM family: kernels_gemm.c */
CBS_HIDDEN cb_status ek_gemm(uint32_t dtype, size_t m, size_t n, size_t k, const void *a, const void *b, void *c,
                            cb_error *error);
CBS_HIDDEN cb_status ek_gemm_batched(uint32_t dtype, size_t batch, size_t m, size_t n, size_t k, const void *a,
                                    const void *b, void *c, cb_error *error);
CBS_HIDDEN cb_status ek_gemm_i8(size_t m, size_t n, size_t k, const int8_t *a, const int8_t *b, int32_t *c,
                                cb_error *error);
CBS_HIDDEN cb_status ek_gemm_wq(uint32_t dtype, int bits, size_t m, size_t n, size_t k, const void *a,
                               const int8_t *w, const void *s, void *c, cb_error *error);

/* Normalisations and softmax: kernels_norm.c */
CBS_HIDDEN cb_status ek_softmax(uint32_t dtype, uint32_t flags, size_t rows, size_t cols, const void *x,
                               const int8_t *mask, void *y, cb_error *error);
CBS_HIDDEN cb_status ek_rmsnorm(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x, const void *w,
                               void *y);
CBS_HIDDEN cb_status ek_layernorm(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x,
                                 const void *g, const void *b, void *y);

/* Elementwise: kernels_elementwise.c */
CBS_HIDDEN cb_status ek_silu(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status ek_gelu_erf(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status ek_gelu_tanh(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status ek_swiglu(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);
CBS_HIDDEN cb_status ek_add(uint32_t dtype, size_t count, const void *a, const void *b, void *y);
CBS_HIDDEN cb_status ek_convert(uint32_t dtype, uint32_t to, size_t count, const void *x, void *y);

/* Position and attention: kernels_attention.c */
CBS_HIDDEN cb_status ek_rope(uint32_t dtype, size_t tokens, size_t heads, size_t dim, size_t rot, float base,
                            int64_t offset, const void *x, void *y);
CBS_HIDDEN cb_status ek_attention(uint32_t dtype, size_t q, size_t kv, size_t h, size_t g, size_t d, float scale,
                                 const void *qt, const void *kt, const void *vt, void *o, cb_error *error);

/* Gather, selection, reductions: kernels_select.c */
CBS_HIDDEN cb_status ek_embedding(uint32_t dtype, size_t n, size_t v, size_t w, const void *table,
                                 const int32_t *ids, void *y, cb_error *error);
CBS_HIDDEN cb_status ek_argmax(uint32_t dtype, size_t rows, size_t cols, const void *x, int32_t *out);
CBS_HIDDEN cb_status ek_topk(uint32_t dtype, size_t rows, size_t cols, size_t k, const void *x, void *values,
                            int32_t *indices, cb_error *error);
CBS_HIDDEN cb_status ek_reduce_sum(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);
CBS_HIDDEN cb_status ek_reduce_max(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);

#endif /* EMU_INTERNAL_H */
