/*
 * cpu_backend.c — the certify reference backend, and the template for yours.
 *
 * This file is a complete certify plugin that runs the core kernels (GEMM,
 * SOFTMAX, RMSNORM, SILU in F32, F16 and BF16) on the host CPU in plain C;
 * the header's other kernels it answers as unsupported. It is meant to be read top to bottom and copied: a chip
 * vendor replaces the bodies of the entry points with calls into their driver
 * and runtime, keeps the checks, and fills the capability table with what
 * their hardware really does. README.md next to this file walks through that.
 *
 * The contract is certify_backend.h. In short:
 *
 *  - The library exports one symbol, certify_backend_bootstrap, which returns
 *    a static table of function pointers (cb_api). Build with
 *    -fvisibility=hidden; everything below except the bootstrap is static.
 *
 *  - Device model. Even a CPU backend pretends to be a device, because that
 *    is what the harness measures:
 *        create → alloc → upload → prepare → execute → synchronize → download
 *        → free / release → destroy
 *    A cb_backend is one open device. A cb_buffer is device memory (here:
 *    malloc). A cb_plan is a prepared kernel (here: a validated copy of the
 *    op; on a real chip: the selected algorithm, compiled binary, workspace).
 *    prepare's time is reported as first-call latency, so compile there, not
 *    in execute.
 *
 *  - Ownership. Handles are created and owned by the backend; the harness
 *    hands each one back exactly once to its paired free/release/destroy and
 *    never uses it afterwards. destroy releases whatever is still alive, so
 *    the backend keeps every buffer and plan on a list. Pointers the harness
 *    passes in (options, ops, host memory, cb_error) are borrowed for the
 *    duration of the call only.
 *
 *  - Threads. The harness serialises all calls on one cb_backend, so nothing
 *    here locks. Different cb_backends share no state.
 *
 *  - Errors. Every failure returns a cb_status and writes one plain sentence
 *    quoting the offending value into the caller's cb_error (cbs_fail does
 *    that safely). Never abort, exit, print or crash: bad input from the
 *    harness is CB_STATUS_INVALID_ARGUMENT, a kernel or dtype you do not have
 *    is CB_STATUS_UNSUPPORTED.
 *
 *  - Numerics of this backend: every element is widened to fp32, all sums and
 *    intermediates are fp32, subnormals are preserved (IEEE gradual
 *    underflow), and results are rounded to the storage dtype to nearest,
 *    ties to even. query() says exactly that, and nothing else.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, sysconf */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_support.h"
#include "certify_backend.h"

/* Every product is rounded to fp32 before it is added, on every CPU: without
 * this, a compiler targeting a CPU with fused multiply-add may fuse
 * `sum + a * b`, and the results would differ between machines. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

#define BACKEND_NAME "cpu"
#define BACKEND_VERSION "1.0.0"

/* This backend's numerics, in one place: query() declares them and every
 * kernel's loads and stores apply them. A chip that flushes subnormals or
 * truncates results changes these — and must then behave so end to end. */
static const cb_dtype ACCUMULATION = CB_DTYPE_F32;          /* every sum and intermediate is a float */
static const cb_denormals DENORMALS = CB_DENORMALS_PRESERVE; /* IEEE gradual underflow, no FTZ/DAZ */
static const cb_rounding ROUNDING = CB_ROUNDING_NEAREST_EVEN; /* of results to the storage dtype */

/* ---- Device objects ---------------------------------------------------- */

/* One open device. The cpu device has no state of its own beyond the lists
 * of what is allocated on it, which destroy() releases. */
struct cb_backend {
    cb_buffer *buffers;
    cb_plan *plans;
};

/* Device memory: `size` bytes at `data`. data is NULL when size is 0 (a
 * zero-byte allocation is legal and must succeed). */
struct cb_buffer {
    cb_backend *owner;
    cb_buffer *prev, *next;
    size_t size;
    unsigned char *data;
};

/* A prepared op. Everything execute() needs is decided here, once. */
struct cb_plan {
    cb_backend *owner;
    cb_plan *prev, *next;
    cb_op op;              /* our own copy: the harness's op dies with prepare() */
    size_t n_inputs;       /* 2 for GEMM, RMSNORM and masked SOFTMAX, else 1; always 1 output */
    size_t input_bytes[2]; /* bytes each input buffer must hold for this shape */
    size_t output_bytes;
    int has_run;              /* 1 once an execute has completed */
    uint64_t last_execute_ns; /* duration of that execute */
};

/* ---- Device ------------------------------------------------------------ */

/* create: open the device. This backend takes no options, and an option it
 * does not know is an error, never ignored: a typo in a chip profile must not
 * silently change what is measured. A real backend would parse e.g. a
 * device_id here (see cbs_options_check and cbs_option_int) and open the
 * device through its driver. */
static cb_status cpu_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
    if (out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "create needs an output pointer");
    }
    cb_status status = cbs_options_check(options, n_options, NULL, 0, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    cb_backend *backend = calloc(1, sizeof *backend);
    if (backend == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate the backend context");
    }
    *out = backend;
    return CB_STATUS_OK;
}

static void cpu_free(cb_backend *backend, cb_buffer *buffer);
static void cpu_release(cb_backend *backend, cb_plan *plan);

/* destroy: close the device and release everything still allocated on it. */
static void cpu_destroy(cb_backend *backend) {
    if (backend == NULL) {
        return;
    }
    while (backend->buffers != NULL) {
        cpu_free(backend, backend->buffers);
    }
    while (backend->plans != NULL) {
        cpu_release(backend, backend->plans);
    }
    free(backend);
}

/* Copies a string into a cb_device_info field, truncating to fit. */
static void set_info_string(char field[CB_INFO_STRING_CAPACITY], const char *text) {
    size_t length = strlen(text);
    if (length >= CB_INFO_STRING_CAPACITY) {
        length = CB_INFO_STRING_CAPACITY - 1;
    }
    memcpy(field, text, length);
    field[length] = '\0';
}

/* device_info: what the report says about the device. Fill every field of
 * the ABI 1.0 struct and set struct_size to say so. */
static cb_status cpu_device_info(cb_backend *backend, cb_device_info *out, cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "device_info needs a backend and an output struct");
    }
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    set_info_string(out->name, "Host CPU (reference)");
    set_info_string(out->vendor, "certify");
    set_info_string(out->driver_version, BACKEND_VERSION);
    /* The cpu device's memory is the host's RAM; 0 means unknown. */
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    out->memory_bytes = pages > 0 && page_size > 0 ? (uint64_t)pages * (uint64_t)page_size : 0;
    return CB_STATUS_OK;
}

/* query: the capability of one kernel × dtype pair. Answer honestly: the
 * battery derives its tolerances from what you declare here, and a
 * declaration the results contradict (say, fp32 accumulation while summing
 * in fp16) is a failure in itself. An unknown kernel or dtype is not an
 * error: answer supported = 0 (the other fields then mean nothing). */
static cb_status cpu_query(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out,
                           cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "query needs a backend and an output struct");
    }
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;

    int kernel_known = kernel == CB_KERNEL_GEMM || kernel == CB_KERNEL_SOFTMAX || kernel == CB_KERNEL_RMSNORM ||
                       kernel == CB_KERNEL_SILU;
    int dtype_known = dtype == CB_DTYPE_F32 || dtype == CB_DTYPE_F16 || dtype == CB_DTYPE_BF16;
    if (!kernel_known || !dtype_known) {
        out->supported = 0;
        return CB_STATUS_OK;
    }
    out->supported = 1;
    out->accumulation = ACCUMULATION;
    out->denormals = DENORMALS;
    out->rounding = ROUNDING;
    return CB_STATUS_OK;
}

/* ---- Memory ------------------------------------------------------------ */

/* alloc: device memory of `bytes` bytes; 0 is legal. On a real device this
 * is the driver's allocator; contents are undefined until uploaded. */
static cb_status cpu_alloc(cb_backend *backend, size_t bytes, cb_buffer **out, cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "alloc needs a backend and an output pointer");
    }
    cb_buffer *buffer = calloc(1, sizeof *buffer);
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
    buffer->next = backend->buffers; /* push onto the backend's list */
    if (backend->buffers != NULL) {
        backend->buffers->prev = buffer;
    }
    backend->buffers = buffer;
    *out = buffer;
    return CB_STATUS_OK;
}

/* free: return a buffer. NULL, or a buffer that is not ours, is ignored: a
 * void entry point has no way to report an error. */
static void cpu_free(cb_backend *backend, cb_buffer *buffer) {
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

/* The checks upload and download share: never copy past either end. */
static cb_status check_copy(cb_backend *backend, cb_buffer *buffer, const void *host, size_t bytes, const char *what,
                            cb_error *error) {
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

/* upload: host → device, the first `bytes` bytes of the buffer. src is
 * borrowed for this call only, so copy it now (or pin and wait before
 * returning). */
static cb_status cpu_upload(cb_backend *backend, cb_buffer *dst, const void *src, size_t bytes, cb_error *error) {
    cb_status status = check_copy(backend, dst, src, bytes, "upload", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(dst->data, src, bytes);
    }
    return status;
}

/* download: device → host. An asynchronous backend must first wait for the
 * work that writes `src`; execute here is synchronous, so there is none. */
static cb_status cpu_download(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes, cb_error *error) {
    cb_status status = check_copy(backend, src, dst, bytes, "download", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(dst, src->data, bytes);
    }
    return status;
}

/* ---- Plans ------------------------------------------------------------- */

/* *out = a · b; 0 if that overflows size_t. Shapes come from outside: never
 * multiply them unchecked. */
static int checked_multiply(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) {
        return 0;
    }
    *out = a * b;
    return 1;
}

/* prepare: validate the op and decide everything execute needs. The op is
 * the harness's and valid only during this call, so the plan keeps a copy.
 * A kernel or dtype we do not implement is UNSUPPORTED (an answer); a
 * malformed op is INVALID_ARGUMENT. */
static cb_status cpu_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error) {
    if (backend == NULL || op == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "prepare needs a backend, an op and an output pointer");
    }
    /* A harness with a newer minor ABI may send a bigger cb_op; we read only
     * the ABI 1.0 fields. A smaller one lacks fields we need. */
    if (op->struct_size < sizeof(cb_op)) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "op struct_size %zu is smaller than the ABI 1.0 cb_op (%zu)",
                        op->struct_size, sizeof(cb_op));
    }

    /* Which kernel, and how many dimensions its shape has (see the header). */
    uint32_t ndims;
    switch (op->kernel) {
    case CB_KERNEL_GEMM: ndims = 3; break;    /* {m, n, k} */
    case CB_KERNEL_SOFTMAX: ndims = 2; break; /* {rows, cols} */
    case CB_KERNEL_RMSNORM: ndims = 2; break; /* {rows, cols} */
    case CB_KERNEL_SILU: ndims = 1; break;    /* {n} */
    default: return cbs_fail(error, CB_STATUS_UNSUPPORTED, "kernel %u is not implemented", op->kernel);
    }
    const char *kernel = cbs_kernel_name(op->kernel);
    if (op->dtype != CB_DTYPE_F32 && op->dtype != CB_DTYPE_F16 && op->dtype != CB_DTYPE_BF16) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s is not implemented for dtype %s (%u)", kernel,
                        cbs_dtype_name(op->dtype), op->dtype);
    }
    /* Only SOFTMAX defines flags. An unknown bit may be a feature of a newer
     * ABI minor: we do not have it, which is UNSUPPORTED, not malformed. */
    const uint32_t known_flags = op->kernel == CB_KERNEL_SOFTMAX ? CB_SOFTMAX_CAUSAL | CB_SOFTMAX_MASK : 0;
    if ((op->flags & ~known_flags) != 0) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s flags 0x%x are not supported", kernel, op->flags);
    }
    if (op->ndims != ndims) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s takes %u dimensions, got ndims %u", kernel, ndims,
                        op->ndims);
    }
    size_t dims[3] = {0, 0, 0};
    for (uint32_t i = 0; i < ndims; i++) {
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

    /* Element counts and sizes of the tensors, in the order execute receives
     * them. Every tensor is in op->dtype except the softmax mask (I8). */
    const size_t element_size = cbs_dtype_size(op->dtype);
    size_t n_inputs = 1, input_elements[2] = {0, 0}, output_elements = 0;
    size_t input_element_size[2] = {element_size, element_size};
    int fits = 1;
    switch (op->kernel) {
    case CB_KERNEL_GEMM: /* A m×k, B k×n → C m×n */
        n_inputs = 2;
        fits = checked_multiply(dims[0], dims[2], &input_elements[0]) &&
               checked_multiply(dims[2], dims[1], &input_elements[1]) &&
               checked_multiply(dims[0], dims[1], &output_elements);
        break;
    case CB_KERNEL_SOFTMAX: /* X r×c (and M r×c, I8, with CB_SOFTMAX_MASK) → Y r×c */
        fits = checked_multiply(dims[0], dims[1], &input_elements[0]);
        if (op->flags & CB_SOFTMAX_MASK) {
            n_inputs = 2;
            input_elements[1] = input_elements[0];
            input_element_size[1] = cbs_dtype_size(CB_DTYPE_I8);
        }
        output_elements = input_elements[0];
        break;
    case CB_KERNEL_RMSNORM: /* X r×c, W c → Y r×c */
        n_inputs = 2;
        fits = checked_multiply(dims[0], dims[1], &input_elements[0]);
        input_elements[1] = dims[1];
        output_elements = input_elements[0];
        break;
    default: /* SILU: X n → Y n */
        input_elements[0] = dims[0];
        output_elements = dims[0];
        break;
    }
    size_t input_bytes[2] = {0, 0}, output_bytes = 0;
    fits = fits && checked_multiply(input_elements[0], input_element_size[0], &input_bytes[0]) &&
           checked_multiply(input_elements[1], input_element_size[1], &input_bytes[1]) &&
           checked_multiply(output_elements, element_size, &output_bytes);
    if (!fits) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape is too large: its tensors overflow size_t", kernel);
    }

    cb_plan *plan = calloc(1, sizeof *plan);
    if (plan == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a plan");
    }
    memcpy(&plan->op, op, sizeof(cb_op)); /* the ABI 1.0 part of the op */
    plan->op.struct_size = sizeof(cb_op);
    plan->n_inputs = n_inputs;
    plan->input_bytes[0] = input_bytes[0];
    plan->input_bytes[1] = input_bytes[1];
    plan->output_bytes = output_bytes;
    plan->owner = backend;
    plan->next = backend->plans;
    if (backend->plans != NULL) {
        backend->plans->prev = plan;
    }
    backend->plans = plan;
    *out = plan;
    return CB_STATUS_OK;
}

/* release: drop a plan (and, on a real device, its compiled code). */
static void cpu_release(cb_backend *backend, cb_plan *plan) {
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

/* ---- Kernels -----------------------------------------------------------
 *
 * Tensors are row-major, densely packed, little-endian, in the op's dtype.
 * load/load_row widen elements to float exactly; store/store_row round
 * floats to the storage dtype. All four apply DENORMALS and ROUNDING, and
 * everything in between is float arithmetic (ACCUMULATION).
 */

static float load(uint32_t dtype, const void *tensor, size_t index) {
    return cbs_load(dtype, tensor, index, DENORMALS);
}

static void store(uint32_t dtype, void *tensor, size_t index, float value) {
    cbs_store(dtype, tensor, index, value, ROUNDING, DENORMALS);
}

/* out[0 … count−1] = elements first … first+count−1, widened. */
static void load_row(uint32_t dtype, const void *tensor, size_t first, size_t count, float *out) {
    cbs_load_row(dtype, tensor, first, count, out, DENORMALS);
}

/* Elements first … first+count−1 = values[0 … count−1], rounded. */
static void store_row(uint32_t dtype, void *tensor, size_t first, size_t count, const float *values) {
    cbs_store_row(dtype, tensor, first, count, values, ROUNDING, DENORMALS);
}

/* Rows of B widened to fp32 at a time: enough to reuse each widened row for
 * every row of A, small enough (PANEL_ROWS · n floats) to stay in cache. */
#define PANEL_ROWS 64

/* C[m×n] = A[m×k] · B[k×n]. Each C[i][j] is an fp32 sum of its k products
 * taken in order p = 0 … k−1, starting from 0 (so k = 0 gives zeros).
 *
 * The loops are arranged for speed without changing any sum: B is widened
 * to fp32 one panel of rows at a time (every element of A and B is widened
 * exactly once), and for each row i the inner loop adds a_ip · B[p][·] to a
 * whole row of running sums, walking memory contiguously. */
static cb_status gemm(uint32_t dtype, size_t m, size_t n, size_t k, const void *a, const void *b, void *c,
                      cb_error *error) {
    if (m == 0 || n == 0) {
        return CB_STATUS_OK; /* C is empty */
    }
    size_t panel_rows = k < PANEL_ROWS ? k : PANEL_ROWS;
    /* calloc, not malloc(count * sizeof(float)): it checks the product for
     * overflow, and starts the sums at zero. m·n fits: prepare checked it. */
    float *sums = calloc(m * n, sizeof(float));
    float *panel = panel_rows > 0 ? calloc(panel_rows * n, sizeof(float)) : NULL;
    float *a_part = panel_rows > 0 ? calloc(panel_rows, sizeof(float)) : NULL;
    if (sums == NULL || (panel_rows > 0 && (panel == NULL || a_part == NULL))) {
        free(sums);
        free(panel);
        free(a_part);
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "GEMM cannot allocate its fp32 working space");
    }
    for (size_t p0 = 0; p0 < k; p0 += panel_rows) {
        const size_t rows = k - p0 < panel_rows ? k - p0 : panel_rows;
        load_row(dtype, b, p0 * n, rows * n, panel); /* B[p0 … p0+rows−1][·] */
        for (size_t i = 0; i < m; i++) {
            load_row(dtype, a, i * k + p0, rows, a_part); /* A[i][p0 … p0+rows−1] */
            float *c_row = sums + i * n;
            for (size_t p = 0; p < rows; p++) {
                const float a_ip = a_part[p];
                const float *b_row = panel + p * n;
                for (size_t j = 0; j < n; j++) {
                    c_row[j] = c_row[j] + a_ip * b_row[j];
                }
            }
        }
    }
    store_row(dtype, c, 0, m * n, sums);
    free(sums);
    free(panel);
    free(a_part);
    return CB_STATUS_OK;
}

/* Y = softmax of each row of X: exp(x − max) / Σ exp(x − max), where the
 * flags may mask entries: CB_SOFTMAX_CAUSAL masks column j of row r when
 * j > r + (cols − rows), CB_SOFTMAX_MASK masks where M[r][j] = 0. A masked
 * entry counts as −Inf, so it comes out 0. Subtracting the row maximum keeps
 * every exp ≤ 1, so large inputs cannot overflow. A row with nothing above
 * −Inf (fully masked) outputs all zeros, as the header defines; a NaN among
 * the entries makes the whole row NaN. */
static cb_status softmax(uint32_t dtype, size_t rows, size_t cols, uint32_t flags, const int8_t *mask, const void *x,
                         void *y, cb_error *error) {
    if (rows == 0 || cols == 0) {
        return CB_STATUS_OK;
    }
    /* The mask is data, checked before anything is written. */
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
    for (size_t r = 0; r < rows; r++) {
        const size_t base = r * cols;
        load_row(dtype, x, base, cols, row);
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
                row[j] = expf(row[j] - max);
                sum = sum + row[j];
            }
            for (size_t j = 0; j < cols; j++) {
                row[j] = row[j] / sum;
            }
        }
        store_row(dtype, y, base, cols, row);
    }
    free(row);
    return CB_STATUS_OK;
}

/* Y = X · (1 / sqrt(mean(X², row) + eps)) · W, with an fp32 sum of squares.
 * eps goes inside the square root, as the header defines. cols = 0 means
 * empty rows: nothing to write. */
static cb_status rmsnorm(uint32_t dtype, size_t rows, size_t cols, float eps, const void *x, const void *w,
                         void *y) {
    for (size_t r = 0; r < rows; r++) {
        const size_t base = r * cols;
        float sum_squares = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            const float v = load(dtype, x, base + j);
            sum_squares = sum_squares + v * v;
        }
        const float mean = sum_squares / (float)cols;
        const float inverse_rms = 1.0f / sqrtf(mean + eps);
        for (size_t j = 0; j < cols; j++) {
            store(dtype, y, base + j, load(dtype, x, base + j) * inverse_rms * load(dtype, w, j));
        }
    }
    return CB_STATUS_OK;
}

/* Y = X / (1 + exp(−X)), elementwise. */
static cb_status silu(uint32_t dtype, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        const float v = load(dtype, x, i);
        store(dtype, y, i, v / (1.0f + expf(-v)));
    }
    return CB_STATUS_OK;
}

/* ---- Execution --------------------------------------------------------- */

static uint64_t monotonic_ns(void) {
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        return 0;
    }
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Checks one buffer passed to execute: ours, and big enough for the shape. */
static cb_status check_operand(cb_backend *backend, const cb_plan *plan, const cb_buffer *buffer, const char *role,
                               size_t position, size_t needed, cb_error *error) {
    const char *kernel = cbs_kernel_name(plan->op.kernel);
    if (buffer == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu is NULL", kernel, role, position);
    }
    if (buffer->owner != backend) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu is a buffer of another backend", kernel, role,
                        position);
    }
    if (buffer->size < needed) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu holds %zu bytes; the shape needs %zu", kernel,
                        role, position, buffer->size, needed);
    }
    return CB_STATUS_OK;
}

/* execute: run the plan on the inputs and outputs in the kernel's order.
 * The header allows returning before the work is done (enqueue on a stream,
 * finish in synchronize); this backend computes right here, so the work is
 * done when it returns. Buffers stay the harness's. An output may not also
 * be an input: GEMM could not compute in place, and one rule for every
 * kernel is easier on the harness. */
static cb_status cpu_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                             cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
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
    for (size_t i = 0; i < n_inputs; i++) {
        cb_status status = check_operand(backend, plan, inputs[i], "input", i, plan->input_bytes[i], error);
        if (status != CB_STATUS_OK) {
            return status;
        }
    }
    cb_status status = check_operand(backend, plan, outputs[0], "output", 0, plan->output_bytes, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    for (size_t i = 0; i < n_inputs; i++) {
        if (inputs[i] == outputs[0]) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "%s output 0 is also input %zu; outputs must not alias inputs", kernel, i);
        }
    }

    const void *x = inputs[0]->data;
    const void *second = n_inputs > 1 ? inputs[1]->data : NULL; /* B, W or the softmax mask */
    void *y = outputs[0]->data;
    const size_t d0 = (size_t)op->shape[0];
    const size_t d1 = op->ndims > 1 ? (size_t)op->shape[1] : 0;

    /* The cpu "device timer" is the host's monotonic clock around the kernel
     * alone; a real device would record events on its stream instead. */
    const uint64_t start = monotonic_ns();
    switch (op->kernel) {
    case CB_KERNEL_GEMM:
        status = gemm(op->dtype, d0, d1, (size_t)op->shape[2], x, second, y, error);
        break;
    case CB_KERNEL_SOFTMAX:
        status = softmax(op->dtype, d0, d1, op->flags, second, x, y, error);
        break;
    case CB_KERNEL_RMSNORM:
        status = rmsnorm(op->dtype, d0, d1, (float)op->scalars[0], x, second, y);
        break;
    default:
        status = silu(op->dtype, d0, x, y);
        break;
    }
    if (status == CB_STATUS_OK) {
        plan->last_execute_ns = monotonic_ns() - start;
        plan->has_run = 1;
    }
    return status;
}

/* synchronize: wait for all enqueued work. Ours finished inside execute. */
static cb_status cpu_synchronize(cb_backend *backend, cb_error *error) {
    if (backend == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "synchronize needs a backend");
    }
    return CB_STATUS_OK;
}

/* last_execute_ns (optional): the device-measured time of the plan's most
 * recent completed execute. Leave the table entry NULL if your device has no
 * timer; never report a host-side guess as a device time. */
static cb_status cpu_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error) {
    if (backend == NULL || plan == NULL || ns == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns needs a backend, a plan and an output");
    }
    if (plan->owner != backend) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns: the plan belongs to another backend");
    }
    if (!plan->has_run) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns: the plan has not completed an execute");
    }
    *ns = plan->last_execute_ns;
    return CB_STATUS_OK;
}

/* ---- The exported table ------------------------------------------------ */

static const cb_api cpu_api = {
    .struct_size = sizeof(cb_api),
    .abi_major = CERTIFY_ABI_VERSION_MAJOR,
    .abi_minor = CERTIFY_ABI_VERSION_MINOR,
    .backend_name = BACKEND_NAME,
    .backend_version = BACKEND_VERSION,
    .create = cpu_create,
    .destroy = cpu_destroy,
    .device_info = cpu_device_info,
    .query = cpu_query,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_upload,
    .download = cpu_download,
    .prepare = cpu_prepare,
    .release = cpu_release,
    .execute = cpu_execute,
    .synchronize = cpu_synchronize,
    .last_execute_ns = cpu_last_execute_ns,
};

/* The only exported symbol. Serve any harness of our major version; return
 * NULL otherwise (the harness reports the mismatch). No allocation, no side
 * effects: the harness may call this before deciding to use the plugin. */
CERTIFY_EXPORT const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request) {
    if (!cbs_bootstrap_accepts(request)) {
        return NULL;
    }
    return &cpu_api;
}
