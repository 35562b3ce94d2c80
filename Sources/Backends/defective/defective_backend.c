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
 * release slowed by a known factor for `certify gate`'s tests),
 * delay_kernel (integer 0..64, default 0: the cb_kernel number the delay
 * applies to, 0 every kernel; one family slowed). Anything else is refused.
 */
#include <stdint.h>

#include "cb_support.h"

/* One backend per worker process, and the worker calls execute from one
 * thread: the factor and the last slowed duration can be process-wide. */
static int64_t delay_factor = 1;
static int64_t delay_kernel = 0;
static uint64_t last_slowed_ns;
/* The timer-microseconds defect, read from the option at create. */
static int timer_in_microseconds;

static cb_status defective_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                                   cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    uint64_t start = cbs_now_ns();
    cb_status status = cbs_emu_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, error);
    const int slowed = delay_kernel == 0 || ((const cbs_plan *)plan)->op.kernel == (uint32_t)delay_kernel;
    if (delay_factor > 1 && slowed && status == CB_STATUS_OK) {
        uint64_t until = start + (cbs_now_ns() - start) * (uint64_t)delay_factor;
        while (cbs_now_ns() < until) {
        }
    }
    last_slowed_ns = cbs_now_ns() - start;
    return status;
}

/* The device timer reports the slowed duration, so both clocks see the delay. */
static cb_status defective_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error) {
    cb_status status = CB_STATUS_OK;
    if (delay_factor == 1 || (delay_kernel != 0 && ((const cbs_plan *)plan)->op.kernel != (uint32_t)delay_kernel)) {
        status = cbs_emu_last_execute_ns(backend, plan, ns, error);
    } else {
        *ns = last_slowed_ns;
    }
    if (status == CB_STATUS_OK && timer_in_microseconds) {
        *ns /= 1000; /* defect: the device's event timestamps tick in microseconds */
    }
    return status;
}

/* The options past device_id: the slowdown, and the defect to plant. */
static cb_status configure(cbs_emu_config *config, const cb_option *options, size_t n_options, cb_error *error) {
    cb_status status = cbs_option_int(options, n_options, "delay_factor", 1, 100, 1, &delay_factor, error);
    if (status == CB_STATUS_OK) {
        status = cbs_option_int(options, n_options, "delay_kernel", 0, 64, 0, &delay_kernel, error);
    }
    size_t defect = CBS_DEFECT_NONE;
    if (status == CB_STATUS_OK) {
        status = cbs_option_choice(options, n_options, "defect", cbs_defect_names, CBS_DEFECT_COUNT, CBS_DEFECT_NONE,
                                   &defect, error);
    }
    config->defect = (cbs_defect)defect;
    timer_in_microseconds = defect == CBS_DEFECT_TIMER_MICROSECONDS;
    return status;
}

/* The cpu backend's numerics; the defect, once configured, is not declared. */
static const cbs_emu_chip defective = {
    .config = {.device_name = "Defective test device (host CPU)", .vendor = "certify",
               .driver_version = CBS_EMU_VERSION, .denormals = CB_DENORMALS_PRESERVE,
               .f16_rounding = CB_ROUNDING_NEAREST_EVEN, .bf16_rounding = CB_ROUNDING_NEAREST_EVEN},
    .options = {"device_id", "defect", "delay_factor", "delay_kernel"},
    .configure = configure,
};

CBS_EMU_PLUGIN("defective", defective, cbs_emu_prepare, defective_execute, cbs_emu_download,
               defective_last_execute_ns)
