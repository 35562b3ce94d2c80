/*
 * Host emulation of an accelerator, for the vendor stubs.
 *
 * The stubs stand in for chips we cannot run here. Each one fills a
 * cbs_emu_config with its chip's numerics (denormal handling, rounding of
 * stored results, a planted defect) and puts the cbs_emu_* entry points in
 * its cb_api. Device memory is host memory and execution is synchronous.
 *
 * The kernels follow cpu_backend.c operation for operation — the same loop
 * orders, fp32 sums in the same order, no fused multiply-add — so an emulator
 * configured like the cpu backend (preserve, nearest-even, no defect) gives
 * bit-identical results, and every difference a stub shows comes from its
 * configuration alone. cpu_backend.c keeps its own copy because it is the
 * template vendors read and copy; it must not hide its work behind this one.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_support.h"

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
    cb_op op;                  /* the harness's op, copied */
    size_t n_inputs;
    size_t input_bytes[2];     /* bytes each input must hold */
    size_t output_bytes;
    int has_timing;            /* 1 once an execute has completed */
    uint64_t last_execute_ns;
} emu_plan;

struct emu_backend {
    cbs_emu_config config;
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
    if (config == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "create needs an output pointer");
    }
    emu_backend *backend = calloc(1, sizeof *backend);
    if (backend == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate the backend context");
    }
    backend->config = *config;
    *out = (cb_backend *)(void *)backend;
    return CB_STATUS_OK;
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

static void copy_info_string(char *dst, const char *src) {
    size_t length = src == NULL ? 0 : strlen(src);
    if (length >= CB_INFO_STRING_CAPACITY) {
        length = CB_INFO_STRING_CAPACITY - 1;
    }
    if (length > 0) {
        memcpy(dst, src, length);
    }
    dst[length] = '\0';
}

cb_status cbs_emu_device_info(cb_backend *handle, cb_device_info *out, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "device_info needs a backend and an output struct");
    }
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    copy_info_string(out->name, backend->config.device_name);
    copy_info_string(out->vendor, backend->config.vendor);
    copy_info_string(out->driver_version, backend->config.driver_version);
    /* Emulated device memory is host memory, so report what really backs it. */
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    out->memory_bytes = pages > 0 && page_size > 0 ? (uint64_t)pages * (uint64_t)page_size : 0;
    return CB_STATUS_OK;
}

cb_status cbs_emu_query(cb_backend *handle, uint32_t kernel, uint32_t dtype, cb_capability *out, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "query needs a backend and an output struct");
    }
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    int known_kernel = kernel >= CB_KERNEL_GEMM && kernel <= CB_KERNEL_SILU;
    if (!known_kernel || !cbs_is_float_dtype(dtype)) {
        return CB_STATUS_OK; /* supported = 0 */
    }
    out->supported = 1;
    out->accumulation = CB_DTYPE_F32;
    out->denormals = backend->config.denormals;
    out->rounding = dtype == CB_DTYPE_F16    ? backend->config.f16_rounding
                    : dtype == CB_DTYPE_BF16 ? backend->config.bf16_rounding
                                             : CB_ROUNDING_NEAREST_EVEN;
    return CB_STATUS_OK;
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
        buffer->data = malloc(bytes);
        if (buffer->data == NULL) {
            free(buffer);
            return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu bytes of device memory", bytes);
        }
    }
    buffer->owner = backend;
    buffer->size = bytes;
    buffer->next = backend->buffers;
    if (backend->buffers != NULL) {
        backend->buffers->prev = buffer;
    }
    backend->buffers = buffer;
    *out = (cb_buffer *)(void *)buffer;
    return CB_STATUS_OK;
}

void cbs_emu_free(cb_backend *handle, cb_buffer *buffer_handle) {
    emu_backend *backend = as_backend(handle);
    emu_buffer *buffer = as_buffer(buffer_handle);
    if (backend == NULL || buffer == NULL || buffer->owner != backend) {
        return;
    }
    if (buffer->prev != NULL) {
        buffer->prev->next = buffer->next;
    } else {
        backend->buffers = buffer->next;
    }
    if (buffer->next != NULL) {
        buffer->next->prev = buffer->prev;
    }
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

/* *out = a · b, or 0 when it overflows size_t. */
static int multiply(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) {
        return 0;
    }
    *out = a * b;
    return 1;
}

cb_status cbs_emu_prepare(cb_backend *handle, const cb_op *op, cb_plan **out, cb_error *error) {
    emu_backend *backend = as_backend(handle);
    if (backend == NULL || op == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "prepare needs a backend, an op and an output pointer");
    }
    if (op->struct_size < sizeof(cb_op)) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "op struct_size %zu is smaller than the ABI 1.0 cb_op (%zu)",
                        op->struct_size, sizeof(cb_op));
    }
    uint32_t expected_dims;
    switch (op->kernel) {
    case CB_KERNEL_GEMM: expected_dims = 3; break;
    case CB_KERNEL_SOFTMAX: expected_dims = 2; break;
    case CB_KERNEL_RMSNORM: expected_dims = 2; break;
    case CB_KERNEL_SILU: expected_dims = 1; break;
    default: return cbs_fail(error, CB_STATUS_UNSUPPORTED, "kernel %u is not implemented", op->kernel);
    }
    const char *kernel = cbs_kernel_name(op->kernel);
    if (!cbs_is_float_dtype(op->dtype)) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s is not implemented for dtype %s (%u)", kernel,
                        cbs_dtype_name(op->dtype), op->dtype);
    }
    const uint32_t known_flags = op->kernel == CB_KERNEL_SOFTMAX ? CB_SOFTMAX_CAUSAL | CB_SOFTMAX_MASK : 0;
    if ((op->flags & ~known_flags) != 0) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s flags 0x%x are not supported", kernel, op->flags);
    }
    if (op->ndims != expected_dims) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s takes %u dimensions, got ndims %u", kernel,
                        expected_dims, op->ndims);
    }
    size_t dims[3] = {0, 0, 0};
    for (uint32_t i = 0; i < expected_dims; i++) {
        if (op->shape[i] < 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape[%u] is %lld; dimensions must be >= 0", kernel,
                            i, (long long)op->shape[i]);
        }
        if ((uint64_t)op->shape[i] > SIZE_MAX) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape[%u] is %lld, too large for this host", kernel,
                            i, (long long)op->shape[i]);
        }
        dims[i] = (size_t)op->shape[i];
    }
    if (op->kernel == CB_KERNEL_RMSNORM && !(op->scalars[0] >= 0.0 && isfinite(op->scalars[0]))) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "RMSNORM eps is %g; it must be finite and >= 0",
                        op->scalars[0]);
    }

    /* Element counts and sizes of the inputs and the output, as the kernel
     * defines them: op->dtype except the softmax mask (I8). */
    size_t element = cbs_dtype_size(op->dtype);
    size_t inputs[2] = {0, 0}, output = 0, n_inputs = 1;
    size_t input_element[2] = {element, element};
    int fits = 1;
    switch (op->kernel) {
    case CB_KERNEL_GEMM: /* {m, n, k}: A m×k, B k×n, C m×n */
        n_inputs = 2;
        fits = multiply(dims[0], dims[2], &inputs[0]) && multiply(dims[2], dims[1], &inputs[1]) &&
               multiply(dims[0], dims[1], &output);
        break;
    case CB_KERNEL_SOFTMAX: /* {r, c}: X r×c (and M r×c, I8, with CB_SOFTMAX_MASK), Y r×c */
        fits = multiply(dims[0], dims[1], &inputs[0]);
        if (op->flags & CB_SOFTMAX_MASK) {
            n_inputs = 2;
            inputs[1] = inputs[0];
            input_element[1] = cbs_dtype_size(CB_DTYPE_I8);
        }
        output = inputs[0];
        break;
    case CB_KERNEL_RMSNORM: /* {r, c}: X r×c, W c, Y r×c */
        n_inputs = 2;
        fits = multiply(dims[0], dims[1], &inputs[0]);
        inputs[1] = dims[1];
        output = inputs[0];
        break;
    default: /* SILU {n}: X n, Y n */
        inputs[0] = dims[0];
        output = dims[0];
        break;
    }
    emu_plan plan = {0};
    fits = fits && multiply(inputs[0], input_element[0], &plan.input_bytes[0]) &&
           multiply(inputs[1], input_element[1], &plan.input_bytes[1]) &&
           multiply(output, element, &plan.output_bytes);
    if (!fits) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape is too large: its tensors overflow size_t", kernel);
    }

    emu_plan *prepared = malloc(sizeof *prepared);
    if (prepared == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a plan");
    }
    *prepared = plan;
    memcpy(&prepared->op, op, sizeof(cb_op)); /* the ABI 1.0 part; newer fields are not ours to read */
    prepared->op.struct_size = sizeof(cb_op);
    prepared->n_inputs = n_inputs;
    prepared->owner = backend;
    prepared->next = backend->plans;
    if (backend->plans != NULL) {
        backend->plans->prev = prepared;
    }
    backend->plans = prepared;
    *out = (cb_plan *)(void *)prepared;
    return CB_STATUS_OK;
}

void cbs_emu_release(cb_backend *handle, cb_plan *plan_handle) {
    emu_backend *backend = as_backend(handle);
    emu_plan *plan = as_plan(plan_handle);
    if (backend == NULL || plan == NULL || plan->owner != backend) {
        return;
    }
    if (plan->prev != NULL) {
        plan->prev->next = plan->next;
    } else {
        backend->plans = plan->next;
    }
    if (plan->next != NULL) {
        plan->next->prev = plan->prev;
    }
    free(plan);
}

/* ---- Kernels ----------------------------------------------------------- */

typedef struct numerics {
    uint32_t dtype;
    cb_denormals denormals;
    cb_rounding rounding; /* of stored results */
    cbs_defect defect;
} numerics;

static float load(const numerics *nx, const void *base, size_t index) {
    return cbs_load(nx->dtype, base, index, nx->denormals);
}

static void store(const numerics *nx, void *base, size_t index, float value) {
    cbs_store(nx->dtype, base, index, value, nx->rounding, nx->denormals);
}

static void load_row(const numerics *nx, const void *base, size_t first, size_t count, float *out) {
    cbs_load_row(nx->dtype, base, first, count, out, nx->denormals);
}

static void store_row(const numerics *nx, void *base, size_t first, size_t count, const float *values) {
    cbs_store_row(nx->dtype, base, first, count, values, nx->rounding, nx->denormals);
}

/* As in cpu_backend.c: B widened a panel of rows at a time. */
#define PANEL_ROWS 64

static cb_status gemm(const numerics *nx, size_t m, size_t n, size_t k, const void *a, const void *b, void *c,
                      cb_error *error) {
    if (m == 0 || n == 0) {
        return CB_STATUS_OK;
    }
    size_t panel_rows = k < PANEL_ROWS ? k : PANEL_ROWS;
    float *sums = calloc(m * n, sizeof(float)); /* m·n fits: prepare checked it */
    float *panel = panel_rows > 0 ? calloc(panel_rows * n, sizeof(float)) : NULL;
    float *a_part = panel_rows > 0 ? calloc(panel_rows, sizeof(float)) : NULL;
    if (sums == NULL || (panel_rows > 0 && (panel == NULL || a_part == NULL))) {
        free(sums);
        free(panel);
        free(a_part);
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM cannot allocate its fp32 working space");
    }
    int fp16_sums = nx->defect == CBS_DEFECT_FP16_ACCUMULATION && nx->dtype != CB_DTYPE_F32;
    for (size_t p0 = 0; p0 < k; p0 += panel_rows) {
        const size_t rows = k - p0 < panel_rows ? k - p0 : panel_rows;
        load_row(nx, b, p0 * n, rows * n, panel);
        for (size_t i = 0; i < m; i++) {
            load_row(nx, a, i * k + p0, rows, a_part);
            float *c_row = sums + i * n;
            for (size_t p = 0; p < rows; p++) {
                const float a_ip = a_part[p];
                const float *b_row = panel + p * n;
                if (fp16_sums) {
                    for (size_t j = 0; j < n; j++) {
                        c_row[j] = cbs_f16_to_f32(cbs_f32_to_f16(c_row[j] + a_ip * b_row[j]));
                    }
                } else {
                    for (size_t j = 0; j < n; j++) {
                        c_row[j] = c_row[j] + a_ip * b_row[j];
                    }
                }
            }
        }
    }
    store_row(nx, c, 0, m * n, sums);
    free(sums);
    free(panel);
    free(a_part);
    return CB_STATUS_OK;
}

/* As in cpu_backend.c: masked entries are −Inf, a fully masked row is
 * zeros, NaN spreads over its row. */
static cb_status softmax(const numerics *nx, size_t rows, size_t cols, uint32_t flags, const int8_t *mask,
                         const void *x, void *y, cb_error *error) {
    if (rows == 0 || cols == 0) {
        return CB_STATUS_OK;
    }
    for (size_t i = 0; mask != NULL && i < rows * cols; i++) {
        if (mask[i] != 0 && mask[i] != 1) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "SOFTMAX mask element %zu is %d; it must be 0 or 1", i,
                            mask[i]);
        }
    }
    float *row = calloc(cols, sizeof(float));
    if (row == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "SOFTMAX cannot allocate its fp32 working space");
    }
    const int causal = (flags & CB_SOFTMAX_CAUSAL) != 0;
    const int subtract_max = nx->defect != CBS_DEFECT_SOFTMAX_NO_MAX_SUBTRACTION;
    for (size_t r = 0; r < rows; r++) {
        const size_t base = r * cols;
        load_row(nx, x, base, cols, row);
        float max = -INFINITY;
        int has_nan = 0;
        for (size_t j = 0; j < cols; j++) {
            const int masked = (causal && (int64_t)j > (int64_t)r + (int64_t)cols - (int64_t)rows) ||
                               (mask != NULL && mask[base + j] == 0);
            if (masked) {
                row[j] = -INFINITY;
            } else if (isnan(row[j])) {
                has_nan = 1;
            } else if (row[j] > max) {
                max = row[j];
            }
        }
        if (max == -INFINITY && !has_nan) {
            for (size_t j = 0; j < cols; j++) {
                row[j] = 0.0f;
            }
        } else {
            float sum = 0.0f;
            for (size_t j = 0; j < cols; j++) {
                row[j] = expf(subtract_max ? row[j] - max : row[j]);
                sum = sum + row[j];
            }
            for (size_t j = 0; j < cols; j++) {
                row[j] = row[j] / sum;
            }
        }
        store_row(nx, y, base, cols, row);
    }
    free(row);
    return CB_STATUS_OK;
}

static cb_status rmsnorm(const numerics *nx, size_t rows, size_t cols, float eps, const void *x, const void *w,
                         void *y) {
    int eps_outside = nx->defect == CBS_DEFECT_RMSNORM_EPS_OUTSIDE_SQRT;
    for (size_t r = 0; r < rows; r++) {
        size_t base = r * cols;
        float sum_squares = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            float v = load(nx, x, base + j);
            sum_squares += v * v;
        }
        float mean = sum_squares / (float)cols;
        float inverse_rms = eps_outside ? 1.0f / (sqrtf(mean) + eps) : 1.0f / sqrtf(mean + eps);
        for (size_t j = 0; j < cols; j++) {
            store(nx, y, base + j, load(nx, x, base + j) * inverse_rms * load(nx, w, j));
        }
    }
    return CB_STATUS_OK;
}

static cb_status silu(const numerics *nx, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        float v = load(nx, x, i);
        store(nx, y, i, v / (1.0f + expf(-v)));
    }
    return CB_STATUS_OK;
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
    const char *kernel = cbs_kernel_name(op->kernel);
    if (n_inputs != plan->n_inputs || n_outputs != 1) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s takes %zu inputs and 1 output, got %zu and %zu", kernel,
                        plan->n_inputs, n_inputs, n_outputs);
    }
    if (inputs == NULL || outputs == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s: the inputs or outputs array is NULL", kernel);
    }
    emu_buffer *in[2] = {NULL, NULL};
    emu_buffer *result = as_buffer(outputs[0]);
    for (size_t i = 0; i <= n_inputs; i++) {
        emu_buffer *buffer = i < n_inputs ? as_buffer(inputs[i]) : result;
        size_t needed = i < n_inputs ? plan->input_bytes[i] : plan->output_bytes;
        const char *role = i < n_inputs ? "input" : "output";
        size_t position = i < n_inputs ? i : 0;
        if (buffer == NULL || buffer->owner != backend) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu is %s", kernel, role, position,
                            buffer == NULL ? "NULL" : "a buffer of another backend");
        }
        if (buffer->size < needed) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu holds %zu bytes; the shape needs %zu", kernel,
                            role, position, buffer->size, needed);
        }
        if (i < n_inputs) {
            in[i] = buffer;
        }
    }
    for (size_t i = 0; i < n_inputs; i++) {
        if (in[i] == result) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s output 0 is also input %zu; outputs must not alias inputs",
                            kernel, i);
        }
    }

    const cbs_emu_config *config = &backend->config;
    numerics nx = {
        .dtype = op->dtype,
        .denormals = config->denormals,
        .rounding = op->dtype == CB_DTYPE_F16    ? config->f16_rounding
                    : op->dtype == CB_DTYPE_BF16 ? config->bf16_rounding
                                                 : CB_ROUNDING_NEAREST_EVEN,
        .defect = config->defect,
    };
    size_t d0 = (size_t)op->shape[0], d1 = op->ndims > 1 ? (size_t)op->shape[1] : 0;
    uint64_t start = monotonic_ns();
    cb_status status;
    switch (op->kernel) {
    case CB_KERNEL_GEMM:
        status = gemm(&nx, d0, d1, (size_t)op->shape[2], in[0]->data, in[1]->data, result->data, error);
        break;
    case CB_KERNEL_SOFTMAX:
        status = softmax(&nx, d0, d1, op->flags, n_inputs > 1 ? (const int8_t *)in[1]->data : NULL, in[0]->data,
                         result->data, error);
        break;
    case CB_KERNEL_RMSNORM:
        status = rmsnorm(&nx, d0, d1, (float)op->scalars[0], in[0]->data, in[1]->data, result->data);
        break;
    default:
        status = silu(&nx, d0, in[0]->data, result->data);
        break;
    }
    if (status == CB_STATUS_OK) {
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
