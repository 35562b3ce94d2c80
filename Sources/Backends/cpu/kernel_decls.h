/*
 * kernel_decls.h — the kernels of kernels_*.c, named through KERNEL(name).
 *
 * The same kernel sources are compiled twice: for the cpu backend, where
 * cpu_kernels.h makes KERNEL(gemm) k_gemm, its numerics IEEE fp32 and every
 * `defect(…)` hook 0; and for the emulator the vendor stubs and the
 * defective test plugin share (support/emu_kernels.c), where emu_internal.h
 * makes it ek_gemm, the numerics the emulated chip's, and the hooks the
 * planted defect. Include it after one of those two headers.
 */
#ifndef KERNEL_DECLS_H
#define KERNEL_DECLS_H

/* GEMM family: kernels_gemm.c */
CBS_HIDDEN cb_status KERNEL(gemm)(uint32_t dtype, uint32_t out_dtype, size_t m, size_t n, size_t k, const void *a,
                            const void *b, void *c, cb_error *error);
CBS_HIDDEN cb_status KERNEL(gemm_batched)(uint32_t dtype, size_t batch, size_t m, size_t n, size_t k, const void *a,
                                    const void *b, void *c, cb_error *error);
CBS_HIDDEN cb_status KERNEL(gemm_i8)(size_t m, size_t n, size_t k, const int8_t *a, const int8_t *b, int32_t *c,
                                cb_error *error);
CBS_HIDDEN cb_status KERNEL(gemm_wq)(uint32_t dtype, int bits, size_t m, size_t n, size_t k, const void *a,
                               const int8_t *w, const void *s, void *c, cb_error *error);
CBS_HIDDEN cb_status KERNEL(gemm_wg)(uint32_t dtype, int bits, size_t m, size_t n, size_t k, size_t group, const void *a,
                               const int8_t *w, const void *s, const int8_t *z, void *c, cb_error *error);
CBS_HIDDEN cb_status KERNEL(gemm_i8_dequant)(uint32_t dtype, size_t m, size_t n, size_t k, const int8_t *a,
                                       const int8_t *b, const float *sa, const float *sb, void *c, cb_error *error);

/* Normalisations and softmax: kernels_norm.c */
CBS_HIDDEN cb_status KERNEL(softmax)(uint32_t dtype, uint32_t flags, size_t rows, size_t cols, const void *x,
                               const int8_t *mask, void *y, cb_error *error);
CBS_HIDDEN cb_status KERNEL(rmsnorm)(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x, const void *w,
                               void *y);
CBS_HIDDEN cb_status KERNEL(layernorm)(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x,
                                 const void *g, const void *b, void *y);

/* Elementwise: kernels_elementwise.c */
CBS_HIDDEN cb_status KERNEL(silu)(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status KERNEL(gelu_erf)(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status KERNEL(gelu_tanh)(uint32_t dtype, size_t count, const void *x, void *y);
CBS_HIDDEN cb_status KERNEL(swiglu)(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);
CBS_HIDDEN cb_status KERNEL(add)(uint32_t dtype, size_t count, const void *a, const void *b, void *y);
CBS_HIDDEN cb_status KERNEL(add_broadcast)(uint32_t dtype, size_t rows, size_t cols, const void *a, const void *b,
                                     void *y);
CBS_HIDDEN cb_status KERNEL(convert)(uint32_t dtype, uint32_t to, size_t count, const void *x, void *y);

/* Position and attention: kernels_attention.c */
CBS_HIDDEN cb_status KERNEL(rope)(uint32_t dtype, size_t tokens, size_t heads, size_t dim, size_t rot, float base,
                            int64_t offset, const void *x, void *y);
CBS_HIDDEN cb_status KERNEL(attention)(uint32_t dtype, size_t q, size_t kv, size_t h, size_t g, size_t d, float scale,
                                 const void *qt, const void *kt, const void *vt, void *o, cb_error *error);
CBS_HIDDEN cb_status KERNEL(attention_varlen)(uint32_t dtype, size_t b, size_t tq, size_t tkv, size_t h, size_t g,
                                        size_t d, float scale, const void *qt, const void *kt, const void *vt,
                                        const int32_t *ql, const int32_t *kvl, void *o, cb_error *error);
CBS_HIDDEN cb_status KERNEL(attention_paged)(uint32_t dtype, size_t b, size_t h, size_t g, size_t d, size_t bs,
                                       size_t nb, size_t mb, float scale, const void *qt, const void *kc,
                                       const void *vc, const int32_t *table, const int32_t *lengths, void *o,
                                       cb_error *error);

/* Gather, selection, reductions: kernels_select.c */
CBS_HIDDEN cb_status KERNEL(embedding)(uint32_t dtype, size_t n, size_t v, size_t w, const void *table,
                                 const int32_t *ids, void *y, cb_error *error);
CBS_HIDDEN cb_status KERNEL(argmax)(uint32_t dtype, size_t rows, size_t cols, const void *x, int32_t *out);
CBS_HIDDEN cb_status KERNEL(topk)(uint32_t dtype, size_t rows, size_t cols, size_t k, const void *x, void *values,
                            int32_t *indices, cb_error *error);
CBS_HIDDEN cb_status KERNEL(reduce_sum)(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);
CBS_HIDDEN cb_status KERNEL(reduce_max)(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y);

#endif /* KERNEL_DECLS_H */
