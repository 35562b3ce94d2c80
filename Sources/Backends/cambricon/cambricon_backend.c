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
#include <stdint.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"

/* What the MLU does not have. */
static const cbs_emu_gap cambricon_gaps[] = {
    {CB_KERNEL_ATTENTION, CB_DTYPE_F32},
};

static cb_status cambricon_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
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
        .device_name = "Cambricon MLU370-X8 (emulated on host CPU)",
        .vendor = "Cambricon",
        .driver_version = BACKEND_VERSION,
        .denormals = CB_DENORMALS_FLUSH,
        .f16_rounding = CB_ROUNDING_TOWARD_ZERO,
        .bf16_rounding = CB_ROUNDING_TOWARD_ZERO,
        .defect = CBS_DEFECT_NONE,
        .device_id = device_id,
    };
    return cbs_emu_create_limited(&config, cambricon_gaps, sizeof cambricon_gaps / sizeof cambricon_gaps[0], out,
                                  error);
}

static const cb_api cambricon_api = {
    .struct_size = sizeof(cb_api),
    .abi_major = CERTIFY_ABI_VERSION_MAJOR,
    .abi_minor = CERTIFY_ABI_VERSION_MINOR,
    .backend_name = "cambricon",
    .backend_version = BACKEND_VERSION,
    .create = cambricon_create,
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
    .last_execute_ns = NULL, /* no device timer */
};

CERTIFY_EXPORT const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request) {
    return cbs_bootstrap_accepts(request) ? &cambricon_api : NULL;
}
