/*
 * ascend_backend.c — certify stub for the Huawei Ascend 910B, emulated on the
 * host CPU.
 *
 * The numerics it emulates: tensors stored as fp16/bf16 (fp32 too), products
 * summed in fp32 as the Cube unit does, and denormals flushed — every
 * subnormal input element reads as zero and every result that would be
 * subnormal in its storage dtype is stored as zero, in all dtypes including
 * fp32. Results are rounded to nearest-even. query() declares exactly that,
 * so the battery must hold it to flush-aware tolerances and find nothing
 * else wrong. It implements every kernel of the ABI in every dtype, and
 * times executes as the chip's stream events would.
 *
 * Options: device_id (integer >= 0; one host device stands in for every
 * card). Anything else is refused.
 */
#include "cb_support.h"

static const cbs_emu_chip ascend = {
    .config = {.device_name = "Ascend 910B (emulated on host CPU)", .vendor = "Huawei",
               .driver_version = CBS_EMU_VERSION, .denormals = CB_DENORMALS_FLUSH,
               .f16_rounding = CB_ROUNDING_NEAREST_EVEN, .bf16_rounding = CB_ROUNDING_NEAREST_EVEN},
};

CBS_EMU_STUB("ascend", ascend, cbs_emu_last_execute_ns)
