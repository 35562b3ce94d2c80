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
 * else wrong. It implements every kernel of the ABI in every dtype.
 *
 * Options: device_id (integer >= 0; one host device stands in for every
 * card). Anything else is refused.
 */
#include <stdint.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"

static cb_status ascend_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
    static const char *const known[] = {"device_id"};
    cb_status status = cbs_options_check(options, n_options, known, 1, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    int64_t device_id;
    status = cbs_option_int(options, n_options, "device_id", 0, INT64_MAX, 0, &device_id, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    const cbs_emu_config config = {
        .device_name = "Ascend 910B (emulated on host CPU)",
        .vendor = "Huawei",
        .driver_version = BACKEND_VERSION,
        .denormals = CB_DENORMALS_FLUSH,
        .f16_rounding = CB_ROUNDING_NEAREST_EVEN,
        .bf16_rounding = CB_ROUNDING_NEAREST_EVEN,
        .defect = CBS_DEFECT_NONE,
        .device_id = device_id,
    };
    return cbs_emu_create(&config, out, error);
}

static const cb_api ascend_api = {
    .struct_size = sizeof(cb_api),
    .abi_major = CERTIFY_ABI_VERSION_MAJOR,
    .abi_minor = CERTIFY_ABI_VERSION_MINOR,
    .backend_name = "ascend",
    .backend_version = BACKEND_VERSION,
    .create = ascend_create,
    .destroy = cbs_emu_destroy,
    .device_info = cbs_emu_device_info,
    .query = cbs_emu_query,
    .alloc = cbs_emu_alloc,
    .free = cbs_emu_free,
    .upload = cbs_emu_upload,
    .download = cbs_emu_download,
    .prepare = cbs_emu_prepare,
    .release = cbs_emu_release,
    .execute = cbs_emu_execute,
    .synchronize = cbs_emu_synchronize,
    .last_execute_ns = cbs_emu_last_execute_ns, /* the chip has stream events */
};

CERTIFY_EXPORT const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request) {
    return cbs_bootstrap_accepts(request) ? &ascend_api : NULL;
}
