/*
 * Host emulation of an accelerator, for the vendor stubs.
 *
 * The stubs stand in for chips we cannot run here. Each one describes its
 * chip in a cbs_emu_chip — the numerics (denormal handling, rounding of
 * stored results, a planted defect), the kernels it lacks, the options
 * create() takes — and CBS_EMU_STUB makes the plugin of it. Device memory is
 * host memory and execution is synchronous: the device layer (device.c)
 * keeps the buffers and plans and makes the ABI's checks.
 *
 * The kernels (emu_kernels.c, dispatched by emu_ops.c) are the cpu backend's
 * kernel files compiled again with the emulated chip's loads and stores and
 * the planted defect live in their hooks — the same loop orders, fp32 sums
 * in the same order, no fused multiply-add — so an emulator configured like
 * the cpu backend (preserve, nearest-even, no defect) gives bit-identical
 * results, and every difference a stub shows comes from its configuration
 * alone. The files stay in cpu/ because that backend is the template vendors
 * read and copy.
 *
 * A stub may declare kernel × dtype pairs its chip lacks (cbs_emu_gap):
 * query() answers supported = 0 for them and prepare() UNSUPPORTED.
 */
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "cb_support.h"
#include "emu_internal.h"

struct cb_backend {
    cbs_device layer; /* first: the device layer's lists */
    cbs_emu_config config;
    cbs_emu_gap gaps[CBS_EMU_MAX_GAPS]; /* pairs the chip lacks */
    size_t n_gaps;
    uint64_t executes; /* completed executes, for the alternate-call-ulp defect */
    cb_op cached[CB_KERNEL_CONVERT + 1]; /* the last op prepared per kernel, for plan-cache-ignores-scalars */
};

/* An emulated plan is the layer's, and what the plan-replays-result defect
 * keeps: the buffers of the plan's last execute and the results it wrote,
 * as a launch-replay cache keyed by buffer handles would (a CUDA graph). */
typedef struct emu_plan {
    cbs_plan layer; /* first: the device layer's */
    int recorded;   /* 1 when buffers and results below are the last execute's */
    cb_buffer *inputs[CBS_MAX_INPUTS];
    cb_buffer *outputs[CBS_MAX_OUTPUTS];
    unsigned char *results[CBS_MAX_OUTPUTS];
} emu_plan;

static cbs_plan *checked(cb_plan *plan) { return (cbs_plan *)(void *)plan; }
static emu_plan *emulated(cb_plan *plan) { return (emu_plan *)(void *)plan; }

/* The device layer's release_plan hook: drops what the plan recorded. */
static void forget(cbs_plan *plan) {
    emu_plan *emu = (emu_plan *)(void *)plan;
    for (size_t o = 0; o < CBS_MAX_OUTPUTS; o++) {
        free(emu->results[o]);
        emu->results[o] = NULL;
    }
    emu->recorded = 0;
}

/* ---- Device ------------------------------------------------------------ */

cb_status cbs_emu_create(const cbs_emu_config *config, cb_backend **out, cb_error *error) {
    return cbs_emu_create_limited(config, NULL, 0, out, error);
}

cb_status cbs_emu_create_limited(const cbs_emu_config *config, const cbs_emu_gap *gaps, size_t n_gaps,
                                 cb_backend **out, cb_error *error) {
    if (config == NULL || out == NULL || (n_gaps > 0 && gaps == NULL)) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "create needs a configuration and an output pointer");
    }
    if (n_gaps > CBS_EMU_MAX_GAPS) {
        return cbs_fail(error, CB_STATUS_INTERNAL, "the stub declares %zu missing kernels; at most %d fit", n_gaps,
                        CBS_EMU_MAX_GAPS);
    }
    cb_backend *backend = calloc(1, sizeof *backend);
    if (backend == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate the backend context");
    }
    backend->config = *config;
    backend->layer.release_plan = forget;
    /* The writes-past-output defect stores a 16-lane vector of up to 4-byte
     * elements past the end: the allocation holds it, so only the buffer's
     * own padding is written, as on a device that allocates in granules. */
    backend->layer.padding = config->defect == CBS_DEFECT_WRITES_PAST_OUTPUT ? 16 * sizeof(float) : 0;
    for (size_t i = 0; i < n_gaps; i++) {
        backend->gaps[i] = gaps[i];
    }
    backend->n_gaps = n_gaps;
    *out = backend;
    return CB_STATUS_OK;
}

cb_status cbs_emu_open(const cbs_emu_chip *chip, const cb_option *options, size_t n_options, cb_backend **out,
                       cb_error *error) {
    static const char *const device_id_only[] = {"device_id"};
    const char *const *known = chip->options;
    size_t n_known = 0, n_gaps = 0;
    while (n_known < CBS_EMU_MAX_OPTIONS && known[n_known] != NULL) {
        n_known++;
    }
    if (n_known == 0) {
        known = device_id_only;
        n_known = 1;
    }
    while (n_gaps < CBS_EMU_MAX_GAPS && chip->gaps[n_gaps].kernel != 0) {
        n_gaps++;
    }
    cb_status status = cbs_options_check(options, n_options, known, n_known, error);
    cbs_emu_config config = chip->config;
    if (status == CB_STATUS_OK) {
        /* One host device stands in for every card. */
        status = cbs_option_int(options, n_options, "device_id", 0, INT64_MAX, 0, &config.device_id, error);
    }
    if (status == CB_STATUS_OK && chip->configure != NULL) {
        status = chip->configure(&config, options, n_options, error);
    }
    if (status != CB_STATUS_OK) {
        return status;
    }
    return cbs_emu_create_limited(&config, chip->gaps, n_gaps, out, error);
}

/* 1 when the emulated chip has kernel × dtype: the emulator implements it
 * and the stub did not declare it missing. */
static int chip_supports(const cb_backend *backend, uint32_t kernel, uint32_t dtype) {
    if (!cbs_op_supported(kernel, dtype)) {
        return 0;
    }
    for (size_t i = 0; i < backend->n_gaps; i++) {
        const cbs_emu_gap *gap = &backend->gaps[i];
        if (gap->kernel == kernel && (gap->dtype == 0 || gap->dtype == dtype)) {
            return 0;
        }
    }
    return 1;
}

void cbs_emu_destroy(cb_backend *backend) { cbs_device_destroy(backend); }

cb_status cbs_emu_device_info(cb_backend *backend, cb_device_info *out, cb_error *error) {
    if (backend == NULL) {
        return cbs_host_device_info(NULL, out, NULL, NULL, NULL, error);
    }
    /* Emulated device memory is host memory, so it reports what really backs it. */
    const cbs_emu_config *config = &backend->config;
    return cbs_host_device_info(backend, out, config->device_name, config->vendor, config->driver_version, error);
}

cb_status cbs_emu_query(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out, cb_error *error) {
    cb_status status = cbs_query_check(backend, out, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    cb_capability answer;
    memset(&answer, 0, sizeof answer);
    if (!chip_supports(backend, kernel, dtype)) {
        return cbs_put_capability(out, &answer, error); /* supported = 0 */
    }
    /* Declared numerics come from the configuration, never from the defect.
     * Every intermediate stays in fp32 (intermediates = 0). */
    answer = cbs_supported(kernel, CB_DTYPE_F32, backend->config.denormals,
                           dtype == CB_DTYPE_F16    ? backend->config.f16_rounding
                           : dtype == CB_DTYPE_BF16 ? backend->config.bf16_rounding
                                                    : CB_ROUNDING_NEAREST_EVEN);
    if (kernel == CB_KERNEL_CONVERT) {
        /* CONVERT rounds into its destination: F32 sources narrow to F16 or
         * BF16; if either truncates, say so (widening is exact either way). */
        answer.rounding = dtype == CB_DTYPE_F32 && (backend->config.f16_rounding == CB_ROUNDING_TOWARD_ZERO ||
                                                    backend->config.bf16_rounding == CB_ROUNDING_TOWARD_ZERO)
                              ? CB_ROUNDING_TOWARD_ZERO
                              : CB_ROUNDING_NEAREST_EVEN;
    }
    return cbs_put_capability(out, &answer, error);
}

/* ---- Memory: the device layer's host memory ----------------------------- */

cb_status cbs_emu_alloc(cb_backend *backend, size_t bytes, cb_buffer **out, cb_error *error) {
    return cbs_host_alloc(backend, bytes, out, error);
}
void cbs_emu_free(cb_backend *backend, cb_buffer *buffer) { cbs_device_free(backend, buffer); }
cb_status cbs_emu_upload(cb_backend *backend, cb_buffer *dst, const void *src, size_t bytes, cb_error *error) {
    return cbs_host_upload(backend, dst, src, bytes, error);
}
cb_status cbs_emu_download(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes, cb_error *error) {
    return cbs_host_download(backend, src, dst, bytes, error);
}

/* ---- Plans ------------------------------------------------------------- */

cb_status cbs_emu_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error) {
    if (backend != NULL && op != NULL && out != NULL && op->struct_size >= sizeof(cb_op) &&
        cbs_op_supported(op->kernel, op->dtype)) {
        /* defect: query() keeps saying GELU_ERF in BF16 is supported */
        const int lie = backend->config.defect == CBS_DEFECT_LIES_ABOUT_GELU && op->kernel == CB_KERNEL_GELU_ERF &&
                        op->dtype == CB_DTYPE_BF16;
        if (lie || !chip_supports(backend, op->kernel, op->dtype)) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s in %s is not available on this chip",
                            cbs_kernel_name(op->kernel), cbs_dtype_name(op->dtype));
        }
    }
    if (backend != NULL && op != NULL && op->struct_size >= sizeof(cb_op) && op->kernel <= CB_KERNEL_CONVERT &&
        backend->config.defect == CBS_DEFECT_PLAN_CACHE_IGNORES_SCALARS) {
        /* defect: plans cached by kernel, dtype and shape; a hit keeps the scalars it was made with */
        cb_op *cached = &backend->cached[op->kernel];
        const int hit = cached->struct_size != 0 && cached->dtype == op->dtype && cached->flags == op->flags &&
                        cached->ndims == op->ndims && memcmp(cached->shape, op->shape, sizeof(op->shape)) == 0;
        if (!hit) {
            *cached = *op;
        }
        return cbs_device_prepare(backend, cached, sizeof(emu_plan), out, error);
    }
    if (backend != NULL && op != NULL && op->struct_size >= sizeof(cb_op) && op->kernel == CB_KERNEL_ROPE &&
        backend->config.defect == CBS_DEFECT_ROPE_ACCEPTS_BAD_OFFSET) {
        /* defect: an offset the ABI refuses is made whole and in range instead, as a cast would */
        cb_op lenient = *op;
        const double offset = fabs(trunc(op->scalars[1]));
        lenient.scalars[1] = isfinite(offset) && offset <= 1e9 ? offset : 0;
        return cbs_device_prepare(backend, &lenient, sizeof(emu_plan), out, error);
    }
    return cbs_device_prepare(backend, op, sizeof(emu_plan), out, error);
}

void cbs_emu_release(cb_backend *backend, cb_plan *plan) { cbs_device_release(backend, plan); }

/* ---- Execution --------------------------------------------------------- */

/* The alternate-call-ulp defect: element `index` of a float tensor moves to
 * the next representable value away from zero (a finite non-zero value) or
 * to the smallest subnormal (a zero), as a racy reduction would. */
static void nudge_last(uint32_t dtype, void *tensor, size_t index) {
    unsigned char *bytes = tensor;
    if (dtype == CB_DTYPE_F32) {
        uint32_t bits;
        memcpy(&bits, bytes + index * 4, 4);
        if ((bits & 0x7f800000u) != 0x7f800000u) {
            bits += 1;
        }
        memcpy(bytes + index * 4, &bits, 4);
    } else if (dtype == CB_DTYPE_F16 || dtype == CB_DTYPE_BF16) {
        uint16_t bits;
        memcpy(&bits, bytes + index * 2, 2);
        const uint16_t exponent = dtype == CB_DTYPE_F16 ? 0x7c00u : 0x7f80u;
        if ((bits & exponent) != exponent) {
            bits = (uint16_t)(bits + 1);
        }
        memcpy(bytes + index * 2, &bits, 2);
    }
}

/* The plan-replays-result defect: whether this execute has the buffers of
 * the plan's last one (what is in them now is not looked at). */
static int replays(const emu_plan *emu, cb_buffer *const *inputs, size_t n_inputs, cb_buffer *const *outputs,
                   size_t n_outputs) {
    int same = emu->recorded;
    for (size_t i = 0; i < n_inputs && same; i++) {
        same = emu->inputs[i] == inputs[i];
    }
    for (size_t o = 0; o < n_outputs && same; o++) {
        same = emu->outputs[o] == outputs[o];
    }
    return same;
}

/* Keeps the buffers and results of an execute for replays; a result that
 * cannot be kept leaves nothing recorded. */
static void record(emu_plan *emu, cb_buffer *const *inputs, size_t n_inputs, cb_buffer *const *outputs,
                   size_t n_outputs, void *const *results) {
    forget(&emu->layer);
    for (size_t o = 0; o < n_outputs; o++) {
        const size_t bytes = emu->layer.geometry.outputs[o].bytes;
        if (bytes > 0) {
            emu->results[o] = malloc(bytes);
            if (emu->results[o] == NULL) {
                forget(&emu->layer);
                return;
            }
            memcpy(emu->results[o], results[o], bytes);
        }
        emu->outputs[o] = outputs[o];
    }
    for (size_t i = 0; i < n_inputs; i++) {
        emu->inputs[i] = inputs[i];
    }
    emu->recorded = 1;
}

cb_status cbs_emu_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                          cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    cbs_operands operands;
    cb_status status = cbs_device_check_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, &operands, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    const cb_op *op = &checked(plan)->op;
    const int replaying = backend->config.defect == CBS_DEFECT_PLAN_REPLAYS_RESULT;
    if (replaying && replays(emulated(plan), inputs, n_inputs, outputs, n_outputs)) {
        /* defect: the same buffers as last time give last time's results */
        const uint64_t start = cbs_now_ns();
        for (size_t o = 0; o < n_outputs; o++) {
            const size_t bytes = checked(plan)->geometry.outputs[o].bytes;
            if (bytes > 0) {
                memcpy(operands.out[o], emulated(plan)->results[o], bytes);
            }
        }
        cbs_plan_ran(plan, start);
        return CB_STATUS_OK;
    }
    /* The chip's numerics, and the defects that are numerics the chip does
     * not declare: flushing subnormals, truncating bf16. */
    const cbs_emu_config *config = &backend->config;
    emu_nx = (emu_numerics){
        .denormals = config->defect == CBS_DEFECT_DENORMAL_FLUSH ? CB_DENORMALS_FLUSH : config->denormals,
        .f16_rounding = config->f16_rounding,
        .bf16_rounding = config->defect == CBS_DEFECT_BF16_TRUNCATION ? CB_ROUNDING_TOWARD_ZERO : config->bf16_rounding,
        .defect = config->defect,
    };
    uint64_t start = cbs_now_ns();
    status = emu_run(op, operands.in, operands.out, error);
    if (status == CB_STATUS_OK) {
        backend->executes += 1;
        /* Every second execute, counted per backend: which call differs is
         * deterministic, so a test of repeatability sees it every time. */
        /* The first output is taken to be in T (CONVERT: its destination),
         * as the defect was planted: ARGMAX's I32 indices are nudged as T. */
        const uint32_t out_dtype = op->kernel == CB_KERNEL_CONVERT                                ? op->flags
                                   : op->kernel == CB_KERNEL_GEMM && (op->flags & CB_GEMM_OUTPUT_F32) ? (uint32_t)CB_DTYPE_F32
                                                                                                     : op->dtype;
        const size_t bytes = checked(plan)->geometry.outputs[0].bytes;
        const size_t element = cbs_dtype_size(out_dtype);
        if (config->defect == CBS_DEFECT_ALTERNATE_CALL_ULP && backend->executes % 2 == 0 &&
            cbs_is_float_dtype(out_dtype) && element > 0 && bytes >= element) {
            nudge_last(out_dtype, operands.out[0], bytes / element - 1);
        }
        if (config->defect == CBS_DEFECT_LATER_EXECUTES_DRIFT && checked(plan)->has_run && op->kernel == CB_KERNEL_RMSNORM) {
            /* defect: a plan's second and later executes run a stale, half-updated kernel variant */
            for (size_t i = 0; i < bytes / element; i++) {
                store(out_dtype, operands.out[0], i, 1.5f * load(out_dtype, operands.out[0], i));
            }
        }
        if (replaying) {
            record(emulated(plan), inputs, n_inputs, outputs, n_outputs, operands.out);
        }
        cbs_plan_ran(plan, start);
    }
    return status;
}

cb_status cbs_emu_synchronize(cb_backend *backend, cb_error *error) { return cbs_host_synchronize(backend, error); }

cb_status cbs_emu_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error) {
    return cbs_device_last_execute_ns(backend, plan, ns, error);
}

const char *const cbs_defect_names[CBS_DEFECT_COUNT] = {
#define CBS_DEFECT_NAME(id, name) name,
    CBS_DEFECTS(CBS_DEFECT_NAME)
#undef CBS_DEFECT_NAME
};
