/*
 * defective_backend.c — a certify test plugin that ships one real defect on
 * purpose, chosen by the `defect` option, to prove the battery catches it.
 *
 * It is the host emulator with the cpu backend's numerics (fp32
 * accumulation, subnormals preserved, nearest-even) — bit-identical to cpu
 * with `defect: none` — plus one defect that real backends have shipped.
 * query() keeps declaring the correct numerics, as a buggy vendor library
 * would. DEFECTS.md next to this file lists every defect, the kernels and
 * dtypes it touches and the input that reveals it.
 *
 * Options: defect (one of DEFECTS.md's names; default none), device_id
 * (integer >= 0). Anything else is refused.
 */
#include <stdint.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"

static cb_status defective_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
    static const char *const known[] = {"device_id", "defect"};
    cb_status status = cbs_options_check(options, n_options, known, 2, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    int64_t device_id;
    status = cbs_option_int(options, n_options, "device_id", 0, INT64_MAX, 0, &device_id, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    size_t defect;
    status = cbs_option_choice(options, n_options, "defect", cbs_defect_names, CBS_DEFECT_COUNT, CBS_DEFECT_NONE,
                               &defect, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    const cbs_emu_config config = {
        .device_name = "Defective test device (host CPU)",
        .vendor = "certify",
        .driver_version = BACKEND_VERSION,
        .denormals = CB_DENORMALS_PRESERVE,
        .f16_rounding = CB_ROUNDING_NEAREST_EVEN,
        .bf16_rounding = CB_ROUNDING_NEAREST_EVEN,
        .defect = (cbs_defect)defect,
        .device_id = device_id,
    };
    return cbs_emu_create(&config, out, error);
}

static const cb_api defective_api = {
    .struct_size = sizeof(cb_api),
    .abi_major = CERTIFY_ABI_VERSION_MAJOR,
    .abi_minor = CERTIFY_ABI_VERSION_MINOR,
    .backend_name = "defective",
    .backend_version = BACKEND_VERSION,
    .create = defective_create,
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
    .last_execute_ns = cbs_emu_last_execute_ns,
};

CERTIFY_EXPORT const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request) {
    return cbs_bootstrap_accepts(request) ? &defective_api : NULL;
}
