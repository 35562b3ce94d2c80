/*
 * hygon_backend.c — certify stub for the Hygon DCU Z100, emulated on the host
 * CPU, with defects that tests can plant on purpose.
 *
 * Without a defect its numerics are the cpu backend's: fp32 accumulation,
 * subnormals preserved, results rounded to nearest-even, and bit-identical
 * results. The `defect` option plants one real defect while query() keeps
 * declaring the correct numerics, as a buggy vendor library would — it is
 * how the battery's detection power is tested:
 *
 *   none                        no defect (the default)
 *   fp16-accumulation           GEMM in F16 and BF16 rounds its running sum to
 *                               fp16 after every add, yet reports fp32
 *                               accumulation: error grows with K
 *   softmax-no-max-subtraction  exp(x) without subtracting the row maximum:
 *                               large inputs overflow to Inf, then NaN
 *   rmsnorm-eps-outside-sqrt    x / (sqrt(mean(x²)) + eps) · w: wrong for rows
 *                               whose mean square is near eps
 *
 * Options: device_id (integer >= 0), defect (one of the above). Anything else
 * is refused.
 */
#include <stdint.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"

/* Indexed by cbs_defect. */
static const char *const defect_names[] = {
    "none",
    "fp16-accumulation",
    "softmax-no-max-subtraction",
    "rmsnorm-eps-outside-sqrt",
};

static cb_status hygon_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
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
    status = cbs_option_choice(options, n_options, "defect", defect_names, 4, CBS_DEFECT_NONE, &defect, error);
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
        .defect = (cbs_defect)defect,
        .device_id = device_id,
    };
    return cbs_emu_create(&config, out, error);
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
