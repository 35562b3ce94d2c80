/*
 * Host emulation of an accelerator, for the vendor stubs.
 *
 * The stubs stand in for chips we cannot run here. Each one fills a
 * cbs_emu_config with its chip's numerics (denormal handling, rounding of
 * stored results, a planted defect) and puts the cbs_emu_* entry points in
 * its cb_api. Device memory is host memory and execution is synchronous.
 *
 * The kernels (emu_kernels.c, checked and dispatched by emu_ops.c) are the
 * cpu backend's kernel files compiled again with the emulated chip's loads
 * and stores and the planted defect live in their hooks — the same loop
 * orders, fp32 sums in the same order, no fused multiply-add — so an
 * emulator configured like the cpu backend (preserve, nearest-even, no
 * defect) gives bit-identical results, and every difference a stub shows
 * comes from its configuration alone. The files stay in cpu/ because that
 * backend is the template vendors read and copy.
 *
 * A stub may declare kernel × dtype pairs its chip lacks (cbs_emu_gap):
 * query() answers supported = 0 for them and prepare() UNSUPPORTED.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_support.h"
#include "emu_internal.h"

/* Round after every multiply and every add, as written, on every target. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

typedef struct emu_backend emu_backend;

typedef struct emu_buffer {
    emu_backend *owner;
    struct emu_buffer *prev, *next;
    size_t size;
    unsigned char *data; /* NULL when size is 0 */
} emu_buffer;

typedef struct emu_plan {
    emu_backend *owner;
    struct emu_plan *prev, *next;
    cb_op op;          /* the harness's op, copied */
    cbs_geometry geometry; /* how many tensors execute takes, and the bytes each needs */
    int has_timing;            /* 1 once an execute has completed */
    uint64_t last_execute_ns;
} emu_plan;

struct emu_backend {
    cbs_emu_config config;
    cbs_emu_gap gaps[CBS_EMU_MAX_GAPS]; /* pairs the chip lacks */
    size_t n_gaps;
    uint64_t executes; /* completed executes, for the alternate-call-ulp defect */
    emu_buffer *buffers; /* every live buffer, freed by destroy */
    emu_plan *plans;     /* every live plan, released by destroy */
};

static emu_backend *as_backend(cb_backend *backend) { return (emu_backend *)(void *)backend; }
static emu_buffer *as_buffer(cb_buffer *buffer) { return (emu_buffer *)(void *)buffer; }
static emu_plan *as_plan(cb_plan *plan) { return (emu_plan *)(void *)plan; }

static uint64_t monotonic_ns(void) {
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        return 0;
    }
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
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
    emu_backend *backend = calloc(1, sizeof *backend);
    if (backend == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate the backend context");
    }
    backend->config = *config;
    for (size_t i = 0; i < n_gaps; i++) {
        backend->gaps[i] = gaps[i];
    }
    backend->n_gaps = n_gaps;
    *out = (cb_backend *)(void *)backend;
    return CB_STATUS_OK;
}

/* 1 when the emulated chip has kernel × dtype: the emulator implements it
 * and the stub did not declare it missing. */
static int chip_supports(const emu_backend *backend, uint32_t kernel, uint32_t dtype) {
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

void cbs_emu_destroy(cb_backend *handle) {
    emu_backend *backend = as_backend(handle);
    if (backend == NULL) {
        return;
    }
    while (backend->buffers != NULL) {
        cbs_emu_free(handle, (cb_buffer *)(void *)backend->buffers);
    }
    while (backend->plans != NULL) {
        cbs_emu_release(handle, (cb_plan *)(void *)backend->plans);
    }
    free(backend);
}

cb_status cbs_emu_device_info(cb_backend *handle, cb_device_info *out, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "device_info needs a backend and an output struct");
    }
    cb_device_info info;
    memset(&info, 0, sizeof info);
    cbs_set_info(info.name, backend->config.device_name);
    cbs_set_info(info.vendor, backend->config.vendor);
    cbs_set_info(info.driver_version, backend->config.driver_version);
    /* Emulated device memory is host memory, so report what really backs it. */
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    info.memory_bytes = pages > 0 && page_size > 0 ? (uint64_t)pages * (uint64_t)page_size : 0;
    /* The cpu backend's kernel files, compiled without run-time dispatch. */
    cbs_set_info(info.implementation, "portable C");
    return cbs_put_device_info(out, &info, error);
}

cb_status cbs_emu_query(cb_backend *handle, uint32_t kernel, uint32_t dtype, cb_capability *out, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "query needs a backend and an output struct");
    }
    cb_capability answer;
    memset(&answer, 0, sizeof answer);
    if (!chip_supports(backend, kernel, dtype)) {
        return cbs_put_capability(out, &answer, error); /* supported = 0 */
    }
    /* Declared numerics come from the configuration, never from the defect.
     * Every intermediate stays in fp32 (intermediates = 0). */
    answer.supported = 1;
    answer.accumulation = kernel == CB_KERNEL_GEMM_I8 ? CB_DTYPE_I32 : CB_DTYPE_F32;
    answer.denormals = backend->config.denormals;
    answer.rounding = dtype == CB_DTYPE_F16    ? backend->config.f16_rounding
                      : dtype == CB_DTYPE_BF16 ? backend->config.bf16_rounding
                                               : CB_ROUNDING_NEAREST_EVEN;
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

/* ---- Memory ------------------------------------------------------------ */

cb_status cbs_emu_alloc(cb_backend *handle, size_t bytes, cb_buffer **out, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "alloc needs a backend and an output pointer");
    }
    emu_buffer *buffer = calloc(1, sizeof *buffer);
    if (buffer == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a buffer descriptor");
    }
    if (bytes > 0) {
        /* Zeroed, so that what a kernel leaves unwritten reads the same on every run. */
        buffer->data = calloc(bytes, 1);
        if (buffer->data == NULL) {
            free(buffer);
            return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu bytes of device memory", bytes);
        }
    }
    buffer->owner = backend;
    buffer->size = bytes;
    CBS_LIST_PUSH(backend->buffers, buffer);
    *out = (cb_buffer *)(void *)buffer;
    return CB_STATUS_OK;
}

void cbs_emu_free(cb_backend *handle, cb_buffer *buffer_handle) {
    emu_backend *backend = as_backend(handle);
    emu_buffer *buffer = as_buffer(buffer_handle);
    if (backend == NULL || buffer == NULL || buffer->owner != backend) {
        return;
    }
    CBS_LIST_REMOVE(backend->buffers, buffer);
    free(buffer->data);
    free(buffer);
}

static cb_status check_transfer(emu_backend *backend, emu_buffer *buffer, const void *host, size_t bytes,
                                const char *what, cb_error *error) {
    if (backend == NULL || buffer == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s needs a backend and a buffer", what);
    }
    if (buffer->owner != backend) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s: the buffer belongs to another backend", what);
    }
    if (bytes > buffer->size) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s of %zu bytes exceeds the buffer size of %zu bytes",
                        what, bytes, buffer->size);
    }
    if (bytes > 0 && host == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s of %zu bytes with a NULL host pointer", what, bytes);
    }
    return CB_STATUS_OK;
}

cb_status cbs_emu_upload(cb_backend *handle, cb_buffer *dst, const void *src, size_t bytes, cb_error *error) {
    emu_buffer *buffer = as_buffer(dst);
    cb_status status = check_transfer(as_backend(handle), buffer, src, bytes, "upload", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(buffer->data, src, bytes);
    }
    return status;
}

cb_status cbs_emu_download(cb_backend *handle, cb_buffer *src, void *dst, size_t bytes, cb_error *error) {
    emu_buffer *buffer = as_buffer(src);
    cb_status status = check_transfer(as_backend(handle), buffer, dst, bytes, "download", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(dst, buffer->data, bytes);
    }
    return status;
}

/* ---- Plans ------------------------------------------------------------- */

cb_status cbs_emu_prepare(cb_backend *handle, const cb_op *op, cb_plan **out, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    if (backend == NULL || op == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "prepare needs a backend, an op and an output pointer");
    }
    if (op->struct_size >= sizeof(cb_op) && cbs_op_supported(op->kernel, op->dtype) &&
        !chip_supports(backend, op->kernel, op->dtype)) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s in %s is not available on this chip",
                        cbs_kernel_name(op->kernel), cbs_dtype_name(op->dtype));
    }
    emu_plan plan = {0};
    cb_status status = cbs_op_geometry(op, &plan.geometry, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    emu_plan *prepared = malloc(sizeof *prepared);
    if (prepared == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a plan");
    }
    *prepared = plan;
    memcpy(&prepared->op, op, sizeof(cb_op)); /* the ABI 1.0 part; newer fields are not ours to read */
    prepared->op.struct_size = sizeof(cb_op);
    prepared->owner = backend;
    CBS_LIST_PUSH(backend->plans, prepared);
    *out = (cb_plan *)(void *)prepared;
    return CB_STATUS_OK;
}

void cbs_emu_release(cb_backend *handle, cb_plan *plan_handle) {
    emu_backend *backend = as_backend(handle);
    emu_plan *plan = as_plan(plan_handle);
    if (backend == NULL || plan == NULL || plan->owner != backend) {
        return;
    }
    CBS_LIST_REMOVE(backend->plans, plan);
    free(plan);
}

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

cb_status cbs_emu_execute(cb_backend *handle, cb_plan *plan_handle, cb_buffer *const *inputs, size_t n_inputs,
                          cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    emu_plan *plan = as_plan(plan_handle);
    if (backend == NULL || plan == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "execute needs a backend and a plan");
    }
    if (plan->owner != backend) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "execute: the plan belongs to another backend");
    }
    const cb_op *op = &plan->op;
    const cbs_geometry *geometry = &plan->geometry;
    const char *kernel = cbs_kernel_name(op->kernel);
    if (n_inputs != geometry->n_inputs || n_outputs != geometry->n_outputs) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s takes %zu inputs and %zu outputs, got %zu and %zu",
                        kernel, geometry->n_inputs, geometry->n_outputs, n_inputs, n_outputs);
    }
    if (inputs == NULL || outputs == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s: the inputs or outputs array is NULL", kernel);
    }
    const void *in[CBS_MAX_INPUTS] = {NULL, NULL, NULL};
    void *out[CBS_MAX_OUTPUTS] = {NULL, NULL};
    emu_buffer *out_buffers[CBS_MAX_OUTPUTS] = {NULL, NULL};
    for (size_t i = 0; i < n_inputs + n_outputs; i++) {
        const int is_input = i < n_inputs;
        emu_buffer *buffer = is_input ? as_buffer(inputs[i]) : as_buffer(outputs[i - n_inputs]);
        size_t needed = is_input ? geometry->inputs[i].bytes : geometry->outputs[i - n_inputs].bytes;
        const char *role = is_input ? "input" : "output";
        size_t position = is_input ? i : i - n_inputs;
        if (buffer == NULL || buffer->owner != backend) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu is %s", kernel, role, position,
                            buffer == NULL ? "NULL" : "a buffer of another backend");
        }
        if (buffer->size < needed) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu holds %zu bytes; the shape needs %zu", kernel,
                            role, position, buffer->size, needed);
        }
        if (is_input) {
            in[i] = buffer->data;
        } else {
            out[position] = buffer->data;
            out_buffers[position] = buffer;
        }
    }
    for (size_t o = 0; o < n_outputs; o++) {
        for (size_t i = 0; i < n_inputs; i++) {
            if (as_buffer(inputs[i]) == out_buffers[o]) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                                "%s output %zu is also input %zu; outputs must not alias inputs", kernel, o, i);
            }
        }
        for (size_t p = 0; p < o; p++) {
            if (out_buffers[p] == out_buffers[o]) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s outputs %zu and %zu are the same buffer",
                                kernel, p, o);
            }
        }
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
    uint64_t start = monotonic_ns();
    cb_status status = emu_run(op, in, out, error);
    if (status == CB_STATUS_OK) {
        backend->executes += 1;
        /* Every second execute, counted per backend: which call differs is
         * deterministic, so a test of repeatability sees it every time. */
        const uint32_t out_dtype = op->kernel == CB_KERNEL_CONVERT ? op->flags : op->dtype;
        const size_t element = cbs_dtype_size(out_dtype);
        if (config->defect == CBS_DEFECT_ALTERNATE_CALL_ULP && backend->executes % 2 == 0 &&
            cbs_is_float_dtype(out_dtype) && element > 0 && geometry->outputs[0].bytes >= element) {
            nudge_last(out_dtype, out[0], geometry->outputs[0].bytes / element - 1);
        }
        plan->last_execute_ns = monotonic_ns() - start;
        plan->has_timing = 1;
    }
    return status;
}

cb_status cbs_emu_synchronize(cb_backend *handle, cb_error *error) {
    if (handle == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "synchronize needs a backend");
    }
    return CB_STATUS_OK; /* execute is synchronous */
}

cb_status cbs_emu_last_execute_ns(cb_backend *handle, cb_plan *plan_handle, uint64_t *ns, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    emu_plan *plan = as_plan(plan_handle);
    if (backend == NULL || plan == NULL || ns == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns needs a backend, a plan and an output");
    }
    if (plan->owner != backend) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns: the plan belongs to another backend");
    }
    if (!plan->has_timing) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns: the plan has not completed an execute");
    }
    *ns = plan->last_execute_ns;
    return CB_STATUS_OK;
}
const char *const cbs_defect_names[CBS_DEFECT_COUNT] = {
    "none",
    "fp16-accumulation",
    "softmax-no-max-subtraction",
    "rmsnorm-eps-outside-sqrt",
    "rope-half-split",
    "causal-off-by-one",
    "kv-group-modulo",
    "bf16-truncation",
    "i8-int16-accumulation",
    "reduce-max-nan-swallowed",
    "argmax-nan-swallowed",
    "denormal-flush",
    "topk-ties-high-index",
    "alternate-call-ulp",
    "layernorm-unbiased-variance",
    "gelu-tanh-for-erf",
    "swiglu-halves-swapped",
    "embedding-off-by-one",
    "w4-nibbles-swapped",
    "w8-scale-per-row",
    "softmax-masked-row-nan",
    "convert-overflow-saturates",
    "convert-nan-to-zero",
    "rmsnorm-mean-over-c-minus-1",
    "attention-scale-missing",
    "reduce-sum-fp16",
    "add-drops-last",
    "argmax-ties-last",
    "rope-ignores-offset",
    "gemm-batched-reuses-b",
    "w8-unsigned-weights",
    "reduce-max-empty-zero",
};
