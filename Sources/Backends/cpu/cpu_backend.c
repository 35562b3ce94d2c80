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
 *    host memory). A cb_plan is a prepared kernel (here: a validated copy of
 *    the op; on a real chip: the selected algorithm, compiled binary,
 *    workspace). prepare's time is reported as first-call latency, so compile
 *    there, not in execute.
 *
 *  - Ownership. Handles are created and owned by the backend; the harness
 *    hands each one back exactly once to its paired free/release/destroy and
 *    never uses it afterwards. destroy releases whatever is still alive, so
 *    the backend keeps every buffer and plan on a list. Pointers the harness
 *    passes in (options, ops, host memory, cb_error) are borrowed for the
 *    duration of the call only.
 *
 *  - Bookkeeping. The support library's device layer (cb_support.h, "The
 *    device model's bookkeeping") keeps those lists and makes every check the
 *    ABI asks of alloc, upload, download, prepare and execute, against the
 *    kernel list as a table (cbs_op_geometry). This file puts the layer's
 *    structs first in its own and calls it; a real device adds its handles
 *    (device memory, compiled kernels) after them.
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_support.h"
#include "certify_backend.h"
#include "cpu_kernels.h"

#define BACKEND_NAME "cpu"
#define BACKEND_VERSION "1.0.0"

/* This backend's numerics live in cpu_kernels.h (CPU_ACCUMULATION,
 * CPU_DENORMALS, CPU_ROUNDING): query() declares them and every kernel's
 * loads and stores apply them. A chip that flushes subnormals or truncates
 * results changes these — and must then behave so end to end. */

/* ---- Device objects ---------------------------------------------------- */

/* One open device: the layer's lists of what is allocated on it, which
 * destroy() releases. A real device adds its context, streams, … here. */
struct cb_backend {
    cbs_device layer;
};

/* Device memory: `size` bytes at `data`, NULL when size is 0 (a zero-byte
 * allocation is legal and must succeed). A real device adds its handle. */
struct cb_buffer {
    cbs_buffer base;
};

/* A prepared op: a checked copy of it, the bytes of every tensor, the time
 * of the last execute. A real device adds its compiled kernel here. */
struct cb_plan {
    cbs_plan checked;
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

/* destroy: close the device and release everything still allocated on it. */
static void cpu_destroy(cb_backend *backend) {
    cbs_device_destroy(backend);
}

/* device_info: what the report says about the device — its name, vendor
 * and driver, its memory (the host's RAM here; 0 means unknown) and which
 * code path runs on this host. This backend has one, "portable C", the same
 * on every CPU; a library that dispatches at run time names what it chose
 * (its instruction set, kernel family or compiler target).
 *
 * query() and device_info() answer into a struct the harness owns, and the
 * harness may have been built against an older or newer header than this
 * file (certify_backend.h, "Output structs"). So fill a complete struct of
 * your own, then copy no byte past the caller's struct_size, and no more
 * than you know: cbs_put_device_info and cbs_put_capability do that. */
static cb_status cpu_device_info(cb_backend *backend, cb_device_info *out, cb_error *error) {
    return cbs_host_device_info(backend, out, "Host CPU (reference)", "certify", BACKEND_VERSION, error);
}

/* query: the capability of one kernel × dtype pair. Answer honestly: the
 * battery derives its tolerances from what you declare here, and a
 * declaration the results contradict (say, fp32 accumulation while summing
 * in fp16) is a failure in itself. An unknown kernel or dtype is not an
 * error: answer supported = 0 (the other fields then mean nothing). */
static cb_status cpu_query(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out,
                           cb_error *error) {
    /* Integer GEMM sums exactly in int32, everything else in fp32; every
     * intermediate (a softmax's exponentials, a norm's sum of squares) stays
     * in the accumulation type: intermediates = 0. A kernel that parks one in
     * a narrower buffer says which dtype. */
    const cb_capability answer = cbs_supported(kernel, CPU_ACCUMULATION, CPU_DENORMALS, CPU_ROUNDING);
    return cbs_query_answer(backend, out, cbs_op_supported(kernel, dtype), &answer, error);
}

/* ---- Memory ------------------------------------------------------------ */

/* alloc: device memory of `bytes` bytes; 0 is legal. On a real device this
 * is the driver's allocator (cbs_device_new_buffer without host memory keeps
 * the list; put the driver's handle after it). */
static cb_status cpu_alloc(cb_backend *backend, size_t bytes, cb_buffer **out, cb_error *error) {
    return cbs_host_alloc(backend, bytes, out, error);
}

/* free: return a buffer. NULL, or a buffer that is not ours, is ignored: a
 * void entry point has no way to report an error. */
static void cpu_free(cb_backend *backend, cb_buffer *buffer) {
    cbs_device_free(backend, buffer);
}

/* upload: host → device, the first `bytes` bytes of the buffer; never copy
 * past either end (cbs_device_check_transfer). src is borrowed for this call
 * only, so copy it now (or pin and wait before returning). */
static cb_status cpu_upload(cb_backend *backend, cb_buffer *dst, const void *src, size_t bytes, cb_error *error) {
    return cbs_host_upload(backend, dst, src, bytes, error);
}

/* download: device → host. An asynchronous backend must first wait for the
 * work that writes `src`; execute here is synchronous, so there is none. */
static cb_status cpu_download(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes, cb_error *error) {
    return cbs_host_download(backend, src, dst, bytes, error);
}

/* ---- Plans ------------------------------------------------------------- */

/* prepare: validate the op and decide everything execute needs. The layer
 * checks struct_size, kernel, dtype, flags, every dimension and scalar and
 * the bytes each tensor needs (support/op_table.c), so execute only has to
 * check the buffers, and keeps a copy: the op is the harness's and valid
 * only during this call. A kernel or dtype we do not implement is
 * UNSUPPORTED (an answer); a malformed op is INVALID_ARGUMENT. A real device
 * selects and compiles its kernel here, after the layer's checks. */
static cb_status cpu_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error) {
    return cbs_device_prepare(backend, op, sizeof(cb_plan), out, error);
}

/* release: drop a plan (and, on a real device, its compiled code). */
static void cpu_release(cb_backend *backend, cb_plan *plan) {
    cbs_device_release(backend, plan);
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

/* execute: run the plan on the inputs and outputs in the kernel's order,
 * once the layer has checked them: the counts, every buffer non-NULL, ours
 * and big enough for the shape, and no output that is also an input. The
 * header allows returning before the work is done (enqueue on a stream,
 * finish in synchronize); this backend computes right here, so the work is
 * done when it returns. Buffers stay the harness's. */
static cb_status cpu_checked_execute(cb_backend *backend, cb_plan *plan, const cbs_operands *operands,
                                     cb_error *error) {
    (void)backend;
    /* The cpu "device timer" is the host's monotonic clock around the kernel
     * alone; a real device would record events on its stream instead. */
    const uint64_t start = cbs_now_ns();
    cb_status status = cpu_run(&plan->checked.op, operands->in, operands->out, error);
    if (status == CB_STATUS_OK) {
        cbs_plan_ran(plan, start);
    }
    return status;
}

static cb_status cpu_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                             cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    return cbs_device_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, cpu_checked_execute, error);
}

/* synchronize: wait for all enqueued work. Ours finished inside execute. */
static cb_status cpu_synchronize(cb_backend *backend, cb_error *error) {
    return cbs_host_synchronize(backend, error);
}

/* last_execute_ns (optional): the device-measured time of the plan's most
 * recent completed execute. Leave the table entry NULL if your device has no
 * timer; never report a host-side guess as a device time. */
static cb_status cpu_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error) {
    return cbs_device_last_execute_ns(backend, plan, ns, error);
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
