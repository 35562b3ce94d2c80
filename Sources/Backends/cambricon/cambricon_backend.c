/*
 * cambricon_backend.c — certify stub for the Cambricon MLU370-X8, emulated on
 * the host CPU.
 *
 * The numerics it emulates: fp32 accumulation, denormals flushed on inputs
 * and results, and fp16/bf16 results rounded toward zero — the low bits are
 * dropped, as in a plain fp32 → bf16 truncation — while fp32 results are
 * rounded to nearest-even. Truncation biases every result toward zero by up
 * to one unit in the last place; query() declares TOWARD_ZERO for F16 and
 * BF16 so the battery can allow for it.
 *
 * What it lacks, as the MLU's inference stack does: attention runs only in
 * fp16 and bf16 (ATTENTION in F32 answers unsupported).
 *
 * The stub offers no device timer (last_execute_ns is NULL), so the harness
 * falls back to its host clock.
 *
 * Options: device_id (integer >= 0; one host device stands in for every
 * card). Anything else is refused.
 */
#include "cb_support.h"

static const cbs_emu_chip cambricon = {
    .config = {.device_name = "Cambricon MLU370-X8 (emulated on host CPU)", .vendor = "Cambricon",
               .driver_version = CBS_EMU_VERSION, .denormals = CB_DENORMALS_FLUSH,
               .f16_rounding = CB_ROUNDING_TOWARD_ZERO, .bf16_rounding = CB_ROUNDING_TOWARD_ZERO},
    .gaps = {{CB_KERNEL_ATTENTION, CB_DTYPE_F32}}, /* what the MLU does not have */
};

CBS_EMU_STUB("cambricon", cambricon, NULL)
