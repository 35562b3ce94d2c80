/*
 * emu_internal.h — the emulator's kernels, shared by emulator.c, emu_ops.c
 * and emu_kernels.c only (not part of cb_support.h).
 *
 * The kernels are cpu/kernels_*.c, compiled again (emu_kernels.c), so an
 * emulator configured like the cpu backend gives bit-identical results. What
 * differs is the numerics each load and store applies — the emulated chip's,
 * set by execute in emu_nx for the duration of one kernel on this thread —
 * and the planted defect, which the kernels' `defect(…)` hooks consult.
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

/* The kernels: cpu/kernels_*.c, compiled again in emu_kernels.c. */
#define KERNEL(name) ek_##name
#define KERNELS_RUN emu_run
/* Gathered rows go through load and store: a flushing chip flushes them. */
#define KERNEL_GATHER_BY_COPY 0

#include "../cpu/kernel_decls.h"

#endif /* EMU_INTERNAL_H */
