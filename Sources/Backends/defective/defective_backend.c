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
 * (integer >= 0), delay_factor (integer 1..100, default 1: every execute
 * busy-waits until it has taken delay_factor times the kernel's own time, a
 * release slowed by a known factor for `certify gate`'s tests). Anything
 * else is refused.
 */
#include <stdint.h>
#include <time.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"

/* One backend per worker process, and the worker calls execute from one
 * thread: the factor and the last slowed duration can be process-wide. */
static int64_t delay_factor = 1;
static uint64_t last_slowed_ns;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static cb_status defective_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                                   cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    uint64_t start = now_ns();
    cb_status status = cbs_emu_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, error);
    if (delay_factor > 1 && status == CB_STATUS_OK) {
        uint64_t until = start + (now_ns() - start) * (uint64_t)delay_factor;
        while (now_ns() < until) {
        }
    }
    last_slowed_ns = now_ns() - start;
    return status;
}

/* The device timer reports the slowed duration, so both clocks see the delay. */
static cb_status defective_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error) {
    if (delay_factor == 1) {
        return cbs_emu_last_execute_ns(backend, plan, ns, error);
    }
    *ns = last_slowed_ns;
    return CB_STATUS_OK;
}

static cb_status defective_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
    static const char *const known[] = {"device_id", "defect", "delay_factor"};
    cb_status status = cbs_options_check(options, n_options, known, 3, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    int64_t device_id;
    status = cbs_option_int(options, n_options, "device_id", 0, INT64_MAX, 0, &device_id, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    status = cbs_option_int(options, n_options, "delay_factor", 1, 100, 1, &delay_factor, error);
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
    .execute = defective_execute,
    .synchronize = cbs_emu_synchronize,
    .last_execute_ns = defective_last_execute_ns,
};

CERTIFY_EXPORT const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request) {
    return cbs_bootstrap_accepts(request) ? &defective_api : NULL;
}
