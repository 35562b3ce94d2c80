/*
 * cpu_kernels.h — the cpu backend's kernels, shared by its .c files only.
 *
 * cpu_backend.c holds the entry points and the exported table (the support
 * library's device layer keeps the buffers and plans and checks every op);
 * ops.c runs a checked op; kernels_*.c hold the arithmetic, one family per
 * file.
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

/* kernels_*.c are compiled for the emulator too (support/emu_kernels.c): their
 * kernels are named through KERNEL, and the emulator's planted defects sit in
 * them as `defect(…)` hooks, which are never taken here. */
#define KERNEL(name) k_##name
#define KERNELS_RUN cpu_run
#define defect(which) 0
/* A gather copies rows bit for bit (the emulator loads and stores them). */
#define KERNEL_GATHER_BY_COPY 1

#include "kernel_decls.h"

#endif /* CPU_KERNELS_H */
