/*
 * emu_kernels.c — the emulator's kernels: cpu/kernels_*.c compiled again,
 * with the emulated chip's numerics in every load and store and the planted
 * defects of the defective plugin live in their `defect(…)` hooks
 * (emu_internal.h). One source, so an emulator configured like the cpu
 * backend gives bit-identical results.
 */
#include "emu_internal.h"

_Thread_local emu_numerics emu_nx;

#include "../cpu/kernels_gemm.c"
#include "../cpu/kernels_norm.c"
#include "../cpu/kernels_elementwise.c"
#include "../cpu/kernels_attention.c"
#include "../cpu/kernels_select.c"
