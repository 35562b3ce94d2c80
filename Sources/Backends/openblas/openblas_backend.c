/*
 * openblas_backend.c — a certify backend over OpenBLAS (Debian libopenblas-dev).
 *
 * The GEMM family only; every other kernel of certify_backend.h is answered
 * supported = 0, because OpenBLAS has no softmax, norms or activations.
 *
 *  - GEMM / GEMM_BATCHED, F32: cblas_sgemm (the batch as a loop: OpenBLAS
 *    0.3.21 has no cblas_sgemm_batch).
 *  - BF16: cblas_sbgemm (bf16 inputs, fp32 sums and fp32 C), then C rounded
 *    to bf16, nearest-even — when the library has it. Debian's 0.3.21 build
 *    declares cblas_sbgemm in cblas.h but is built without BUILD_BFLOAT16, so
 *    the symbol is missing; the plugin looks it up with dlsym at create() and
 *    otherwise takes the F16 path below. device_info says which.
 *  - F16: OpenBLAS has no fp16 GEMM; A and B are widened to fp32 exactly,
 *    multiplied with cblas_sgemm, and C rounded to fp16, nearest-even.
 *  - GEMM_I8 and the weight-only GEMMs: unsupported (no integer GEMM).
 *
 * Numerics declared by query(): fp32 accumulation for every dtype, IEEE
 * subnormals preserved (OpenBLAS does not set FTZ/DAZ), nearest-even results.
 * OpenBLAS may fuse multiply-adds and reorders the k sum into blocks; the
 * battery's bound (γ_K·Σ|a b|) holds for any summation order and for FMA.
 *
 * device_info's implementation names the version, the core whose kernels
 * Debian's DYNAMIC_ARCH build chose for this CPU (openblas_get_corename:
 * Haswell, Zen, SkylakeX, Cooperlake, …; OPENBLAS_CORETYPE overrides it) and
 * the bf16 path.
 *
 * Options: threads (default 1): openblas_set_num_threads at create(). The
 * thread count is process-wide in OpenBLAS, as the library defines it.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"

typedef void (*sbgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint, blasint, blasint,
                          float, const bfloat16 *, blasint, const bfloat16 *, blasint, float, float *, blasint);

struct cb_backend {
    cbs_device layer; /* first: host buffers and the plans (support/device.c) */
    int threads;
    sbgemm_fn sbgemm; /* cblas_sbgemm, or NULL when this OpenBLAS build lacks it */
};

struct cb_plan {
    cbs_plan checked; /* first: the op and its geometry */
    float *scratch; /* fp32 copies of A, B and C for F16 / BF16 */
};

static void release_scratch(cbs_plan *plan) { free(((cb_plan *)(void *)plan)->scratch); }

static cb_status ob_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
    int threads;
    cb_status status;
    cb_backend *backend = cbs_create_threaded(out, options, n_options, sizeof(cb_backend), &threads, &status, error);
    if (backend == NULL) {
        return status;
    }
    backend->threads = threads;
    backend->layer.release_plan = release_scratch;
    backend->sbgemm = (sbgemm_fn)dlsym(RTLD_DEFAULT, "cblas_sbgemm");
    openblas_set_num_threads(backend->threads);
    *out = backend;
    return CB_STATUS_OK;
}

static cb_status ob_device_info(cb_backend *backend, cb_device_info *out, cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "device_info needs a backend and an output struct");
    }
    cb_device_info info;
    memset(&info, 0, sizeof info);
    const char *bf16 = backend->sbgemm ? "sbgemm" : "widened to sgemm";
    char text[2 * CB_INFO_STRING_CAPACITY];
    snprintf(text, sizeof text, "Host CPU via OpenBLAS (%s kernels, %d thread%s, bf16 %s)", openblas_get_corename(),
             backend->threads, backend->threads == 1 ? "" : "s", bf16);
    cbs_set_info(info.name, text);
    cbs_set_info(info.vendor, "OpenBLAS");
    const char *config = openblas_get_config();
    cbs_set_info(info.driver_version, config);
    /* A DYNAMIC_ARCH build (Debian's) picks its kernels for the CPU at load
     * time (or as OPENBLAS_CORETYPE says): the core name is the code path. */
    char version[32] = "";
    if (sscanf(config, "OpenBLAS %31s", version) != 1) {
        snprintf(version, sizeof version, "(version unknown)");
    }
    snprintf(text, sizeof text, "OpenBLAS %s, core %s, bf16 %s", version, openblas_get_corename(), bf16);
    cbs_set_info(info.implementation, text);
    return cbs_put_device_info(out, &info, error);
}

static int is_gemm(uint32_t kernel) { return kernel == CB_KERNEL_GEMM || kernel == CB_KERNEL_GEMM_BATCHED; }
static int is_float(uint32_t dtype) {
    return dtype == CB_DTYPE_F32 || dtype == CB_DTYPE_F16 || dtype == CB_DTYPE_BF16;
}

static cb_status ob_query(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out, cb_error *error) {
    /* C is summed in fp32 and rounded once to the storage dtype, with no
     * narrower intermediate (intermediates = 0), on every core type. */
    const cb_capability answer = cbs_supported(kernel, CB_DTYPE_F32, CB_DENORMALS_PRESERVE, CB_ROUNDING_NEAREST_EVEN);
    return cbs_query_answer(backend, out, is_gemm(kernel) && is_float(dtype), &answer, error);
}

static cb_status ob_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error) {
    cb_status status = cbs_device_prepare(backend, op, sizeof(cb_plan), out, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    cb_plan *plan = *out;
    const size_t *d = plan->checked.geometry.dims;
    const int batched = op->kernel == CB_KERNEL_GEMM_BATCHED;
    const size_t m = d[batched], n = d[batched + 1], k = d[batched + 2];
    if (!is_gemm(op->kernel) || !is_float(op->dtype)) {
        status = cbs_fail(error, CB_STATUS_UNSUPPORTED, "OpenBLAS has no %s for %s", cbs_kernel_name(op->kernel),
                          cbs_dtype_name(op->dtype));
    } else if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) {
        status = cbs_fail(error, CB_STATUS_UNSUPPORTED, "OpenBLAS takes dimensions up to 2^31-1 (blasint)");
    } else if (op->dtype != CB_DTYPE_F32 && m * k + k * n + m * n > 0) {
        /* one matrix triple at a time: fp32 A and B (F16 only) and fp32 C */
        const size_t floats = m * k + k * n + m * n;
        plan->scratch = malloc(floats * sizeof(float));
        if (plan->scratch == NULL) {
            status = cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu floats of GEMM scratch", floats);
        }
    }
    if (status != CB_STATUS_OK) {
        cbs_device_release(backend, plan);
        *out = NULL;
    }
    return status;
}

/* One C[m×n] = A[m×k]·B[k×n] in the plan's dtype. */
static void gemm_one(const cb_backend *backend, const cb_plan *plan, size_t m, size_t n, size_t k,
                     const unsigned char *a, const unsigned char *b, unsigned char *c) {
    const uint32_t dtype = plan->checked.op.dtype;
    if (m == 0 || n == 0) {
        return;
    }
    if (dtype == CB_DTYPE_F32) {
        if (k == 0) {
            memset(c, 0, m * n * sizeof(float));
            return;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f,
                    (const float *)a, (blasint)k, (const float *)b, (blasint)n, 0.0f, (float *)c, (blasint)n);
        return;
    }
    float *fa = plan->scratch, *fb = fa + m * k, *fc = fb + k * n;
    if (k == 0) {
        memset(fc, 0, m * n * sizeof(float));
    } else if (dtype == CB_DTYPE_BF16 && backend->sbgemm != NULL) {
        backend->sbgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f,
                        (const bfloat16 *)a, (blasint)k, (const bfloat16 *)b, (blasint)n, 0.0f, fc, (blasint)n);
    } else {
        cbs_load_row(dtype, a, 0, m * k, fa, CB_DENORMALS_PRESERVE);
        cbs_load_row(dtype, b, 0, k * n, fb, CB_DENORMALS_PRESERVE);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f, fa,
                    (blasint)k, fb, (blasint)n, 0.0f, fc, (blasint)n);
    }
    /* CB_GEMM_OUTPUT_F32 (ABI 1.2): the fp32 sums are the result, not rounded to the dtype. */
    const uint32_t out = (plan->checked.op.flags & CB_GEMM_OUTPUT_F32) ? (uint32_t)CB_DTYPE_F32 : dtype;
    cbs_store_row(out, c, 0, m * n, fc, CB_ROUNDING_NEAREST_EVEN, CB_DENORMALS_PRESERVE);
}

static cb_status ob_checked_execute(cb_backend *backend, cb_plan *plan, const cbs_operands *operands,
                                    cb_error *error) {
    (void)error;
    const unsigned char *a = operands->in[0], *b = operands->in[1];
    unsigned char *c = operands->out[0];
    const size_t *d = plan->checked.geometry.dims;
    if (plan->checked.op.kernel == CB_KERNEL_GEMM) {
        gemm_one(backend, plan, d[0], d[1], d[2], a, b, c);
    } else {
        const size_t t = cbs_dtype_size(plan->checked.op.dtype);
        const size_t batch = d[0], m = d[1], n = d[2], k = d[3];
        for (size_t i = 0; i < batch; i++) {
            gemm_one(backend, plan, m, n, k, a + i * m * k * t, b + i * k * n * t, c + i * m * n * t);
        }
    }
    return CB_STATUS_OK; /* OpenBLAS calls return when the product is done */
}

static cb_status ob_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                            cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    return cbs_device_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, ob_checked_execute, error);
}

/* No device timer: certify uses its host clock. */
static const cb_api API = CBS_HOST_API("openblas", BACKEND_VERSION, ob_create, cbs_device_destroy, ob_device_info,
                                       ob_query, ob_prepare, ob_execute, cbs_host_synchronize, NULL);

CBS_BOOTSTRAP(API)
