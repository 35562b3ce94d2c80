/*
 * hygon_backend.c — certify stub for the Hygon DCU Z100, emulated on the host
 * CPU.
 *
 * Its numerics are the cpu backend's: fp32 accumulation, subnormals
 * preserved, results rounded to nearest-even, and bit-identical results.
 * What it lacks is what the DCU's ROCm-derived stack lacks: there is no int4
 * weight-only GEMM kernel (GEMM_W4 answers unsupported in every dtype).
 * (Planted defects, once here, live in the `defective` test plugin.)
 *
 * Options: device_id (integer >= 0). Anything else is refused.
 */
#include <stdint.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"

/* What the DCU does not have. */
static const cbs_emu_gap hygon_gaps[] = {
    {CB_KERNEL_GEMM_W4, 0},
};

static cb_status hygon_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
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
        .device_name = "Hygon DCU Z100 (emulated on host CPU)",
        .vendor = "Hygon",
        .driver_version = BACKEND_VERSION,
        .denormals = CB_DENORMALS_PRESERVE,
        .f16_rounding = CB_ROUNDING_NEAREST_EVEN,
        .bf16_rounding = CB_ROUNDING_NEAREST_EVEN,
        .defect = CBS_DEFECT_NONE,
        .device_id = device_id,
    };
    return cbs_emu_create_limited(&config, hygon_gaps, sizeof hygon_gaps / sizeof hygon_gaps[0], out, error);
}

static const cb_api hygon_api = {
    .struct_size = sizeof(cb_api),
    .abi_major = CERTIFY_ABI_VERSION_MAJOR,
    .abi_minor = CERTIFY_ABI_VERSION_MINOR,
    .backend_name = "hygon",
    .backend_version = BACKEND_VERSION,
    .create = hygon_create,
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
    .last_execute_ns = cbs_emu_last_execute_ns, /* the chip has hipEvents */
};

CERTIFY_EXPORT const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request) {
    return cbs_bootstrap_accepts(request) ? &hygon_api : NULL;
}
