/*
 * cpu_backend.c — the certify reference backend, and the template for yours.
 *
 * This file and its kernel files (cpu_kernels.h, ops.c, kernels_*.c; README.md
 * lists them) are a complete certify plugin that runs every battery kernel on
 * the host CPU in plain C. It is meant to be read top to bottom and copied: a chip
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
#include "cpu_kernels.h"

/* Every product is rounded to fp32 before it is added, on every CPU: without
 * this, a compiler targeting a CPU with fused multiply-add may fuse
 * `sum + a * b`, and the results would differ between machines. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

#define BACKEND_NAME "cpu"
#define BACKEND_VERSION "1.0.0"

/* This backend's numerics live in cpu_kernels.h (CPU_ACCUMULATION,
 * CPU_DENORMALS, CPU_ROUNDING): query() declares them and every kernel's
 * loads and stores apply them. A chip that flushes subnormals or truncates
 * results changes these — and must then behave so end to end. */

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
    cb_op op;          /* our own copy: the harness's op dies with prepare() */
    cbs_geometry geometry; /* how many tensors execute takes, and the bytes each needs */
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

/* query() and device_info() answer into a struct the harness owns, and the
 * harness may have been built against an older or newer header than this
 * file (certify_backend.h, "Output structs"). So fill a complete struct of
 * your own, then copy: no byte past the caller's struct_size, and no more
 * than you know; struct_size then says how much you filled, and the harness
 * reads no field beyond it. Below the ABI 1.0 size nothing is written. */
static cb_status copy_out(void *out, const void *answer, size_t answer_size, size_t size_1_0, const char *type,
                          cb_error *error) {
    size_t asked;
    memcpy(&asked, out, sizeof asked); /* struct_size comes first in every struct */
    if (asked < size_1_0) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                        "%s struct_size %zu is smaller than the ABI 1.0 %s (%zu bytes)", type, asked, type, size_1_0);
    }
    size_t filled = asked < answer_size ? asked : answer_size;
    memcpy(out, answer, filled);
    memcpy(out, &filled, sizeof filled);
    return CB_STATUS_OK;
}

/* device_info: what the report says about the device. */
static cb_status cpu_device_info(cb_backend *backend, cb_device_info *out, cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "device_info needs a backend and an output struct");
    }
    cb_device_info info;
    memset(&info, 0, sizeof info);
    set_info_string(info.name, "Host CPU (reference)");
    set_info_string(info.vendor, "certify");
    set_info_string(info.driver_version, BACKEND_VERSION);
    /* The cpu device's memory is the host's RAM; 0 means unknown. */
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    info.memory_bytes = pages > 0 && page_size > 0 ? (uint64_t)pages * (uint64_t)page_size : 0;
    /* Which code path runs on this host. This backend has one, the same on
     * every CPU; a library that dispatches at run time names what it chose
     * (its instruction set, kernel family or compiler target). */
    set_info_string(info.implementation, "portable C");
    return copy_out(out, &info, sizeof info, CB_DEVICE_INFO_SIZE_1_0, "cb_device_info", error);
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
    cb_capability answer;
    memset(&answer, 0, sizeof answer);
    if (cbs_op_supported(kernel, dtype)) {
        answer.supported = 1;
        /* Integer GEMM sums exactly in int32; everything else in fp32. */
        answer.accumulation = kernel == CB_KERNEL_GEMM_I8 ? CB_DTYPE_I32 : CPU_ACCUMULATION;
        answer.denormals = CPU_DENORMALS;
        answer.rounding = CPU_ROUNDING;
        /* Every intermediate (a softmax's exponentials, a norm's sum of
         * squares) stays in the accumulation type: intermediates = 0. A
         * kernel that parks one in a narrower buffer says which dtype. */
        answer.intermediates = 0;
    }
    return copy_out(out, &answer, sizeof answer, CB_CAPABILITY_SIZE_1_0, "cb_capability", error);
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
    CBS_LIST_PUSH(backend->buffers, buffer); /* onto the backend's list */
    *out = buffer;
    return CB_STATUS_OK;
}

/* free: return a buffer. NULL, or a buffer that is not ours, is ignored: a
 * void entry point has no way to report an error. */
static void cpu_free(cb_backend *backend, cb_buffer *buffer) {
    if (backend == NULL || buffer == NULL || buffer->owner != backend) {
        return;
    }
    CBS_LIST_REMOVE(backend->buffers, buffer);
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

/* prepare: validate the op and decide everything execute needs. The op is
 * the harness's and valid only during this call, so the plan keeps a copy.
 * A kernel or dtype we do not implement is UNSUPPORTED (an answer); a
 * malformed op is INVALID_ARGUMENT. */
static cb_status cpu_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error) {
    if (backend == NULL || op == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "prepare needs a backend, an op and an output pointer");
    }
    /* struct_size (a newer harness may send a bigger cb_op, of which only
     * the ABI 1.0 fields are read), kernel, dtype, flags, every dimension
     * and scalar, and the bytes each tensor needs (support/op_table.c), so
     * execute only has to check the buffers. */
    cbs_geometry geometry;
    cb_status status = cbs_op_geometry(op, &geometry, error);
    if (status != CB_STATUS_OK) {
        return status;
    }

    cb_plan *plan = calloc(1, sizeof *plan);
    if (plan == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a plan");
    }
    memcpy(&plan->op, op, sizeof(cb_op)); /* the ABI 1.0 part of the op */
    plan->op.struct_size = sizeof(cb_op);
    plan->geometry = geometry;
    plan->owner = backend;
    CBS_LIST_PUSH(backend->plans, plan);
    *out = plan;
    return CB_STATUS_OK;
}

/* release: drop a plan (and, on a real device, its compiled code). */
static void cpu_release(cb_backend *backend, cb_plan *plan) {
    if (backend == NULL || plan == NULL || plan->owner != backend) {
        return;
    }
    CBS_LIST_REMOVE(backend->plans, plan);
    free(plan);
}

/* ---- Kernels -----------------------------------------------------------
 *
 * The arithmetic lives in kernels_gemm.c, kernels_norm.c,
 * kernels_elementwise.c, kernels_attention.c and kernels_select.c; ops.c maps
 * each op onto them. Tensors are row-major, densely packed, little-endian;
 * every float element is widened to fp32, computed in fp32 and rounded once
 * to the storage dtype to nearest even.
 */

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
    for (size_t i = 0; i < n_inputs; i++) {
        cb_status status = check_operand(backend, plan, inputs[i], "input", i, geometry->inputs[i].bytes, error);
        if (status != CB_STATUS_OK) {
            return status;
        }
        in[i] = inputs[i]->data;
    }
    for (size_t o = 0; o < n_outputs; o++) {
        cb_status status = check_operand(backend, plan, outputs[o], "output", o, geometry->outputs[o].bytes, error);
        if (status != CB_STATUS_OK) {
            return status;
        }
        for (size_t i = 0; i < n_inputs; i++) {
            if (inputs[i] == outputs[o]) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                                "%s output %zu is also input %zu; outputs must not alias inputs", kernel, o, i);
            }
        }
        for (size_t p = 0; p < o; p++) {
            if (outputs[p] == outputs[o]) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s outputs %zu and %zu are the same buffer",
                                kernel, p, o);
            }
        }
        out[o] = outputs[o]->data;
    }

    /* The cpu "device timer" is the host's monotonic clock around the kernel
     * alone; a real device would record events on its stream instead. */
    const uint64_t start = monotonic_ns();
    cb_status status = cpu_run(op, in, out, error);
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
