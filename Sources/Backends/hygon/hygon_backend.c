/*
 * hygon_backend.c — certify stub for the Hygon DCU Z100, emulated on the host
 * CPU.
 *
 * Its numerics are the cpu backend's: fp32 accumulation, subnormals
 * preserved, results rounded to nearest-even, and bit-identical results.
 * What it lacks is what the DCU's ROCm-derived stack lacks: there is no int4
 * weight-only GEMM kernel (GEMM_W4 answers unsupported in every dtype).
 * (Planted defects, once here, live in the `defective` test plugin.) It
 * times executes as the chip's hipEvents would.
 *
 * Options: device_id (integer >= 0). Anything else is refused.
 */
#include "cb_support.h"

static const cbs_emu_chip hygon = {
    .config = {.device_name = "Hygon DCU Z100 (emulated on host CPU)", .vendor = "Hygon",
               .driver_version = CBS_EMU_VERSION, .denormals = CB_DENORMALS_PRESERVE,
               .f16_rounding = CB_ROUNDING_NEAREST_EVEN, .bf16_rounding = CB_ROUNDING_NEAREST_EVEN},
    .gaps = {{CB_KERNEL_GEMM_W4, 0}}, /* what the DCU does not have, in every dtype */
};

CBS_EMU_STUB("hygon", hygon, cbs_emu_last_execute_ns)
