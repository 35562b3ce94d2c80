/*
 * onednn_backend.c — a certify backend over oneDNN 2.x (Debian libdnnl-dev),
 * through its C API (dnnl.h), on the CPU engine.
 *
 *   GEMM, GEMM_BATCHED   matmul (2-D and 3-D)
 *   GEMM_I8              matmul s8 × s8 → s32
 *   SOFTMAX              softmax_v2, accurate, axis 1 — without flags: oneDNN
 *                        2.x softmax takes no mask, so the causal and masked
 *                        variants are refused at prepare as UNSUPPORTED
 *   LAYERNORM            layer_normalization, forward inference, use_scale +
 *                        use_shift (scale and shift are f32 in oneDNN: the
 *                        plugin widens G and B exactly)
 *   SILU, GELU_ERF/TANH  eltwise swish (alpha 1), gelu_erf, gelu_tanh
 *   REDUCE_SUM/MAX       reduction sum / max over the last axis
 *   ADD                  binary add
 *   CONVERT              reorder between f32, f16 and bf16
 * RMSNORM (a 3.x feature), SwiGLU, RoPE, attention, embedding, argmax, top-k
 * and the weight-only GEMMs have no oneDNN 2.x primitive: unsupported.
 *
 * Which dtypes oneDNN implements depends on the CPU's ISA (bf16 and f16 need
 * AVX-512 or AMX for most primitives). create() asks: it creates a primitive
 * descriptor for a small op of every kernel × dtype and query() answers what
 * oneDNN accepted. A shape oneDNN refuses at prepare is UNSUPPORTED with
 * oneDNN's status.
 *
 * Declared numerics: fp32 accumulation (int32 for int8), nearest-even
 * results. Subnormals: oneDNN leaves MXCSR alone, so matmul, layer norm,
 * reductions, add and reorders keep them; but its JIT exp (used by softmax,
 * swish and the GELUs) returns 0 for every argument below ln(FLT_MIN)
 * instead of the subnormal result, so those kernels declare FLUSH. certify
 * caught this on softmax.fp32.large-logits (docs/real-libraries.md). Intermediates: a
 * softmax into a bf16 or f16 destination stores exp(x − max) in that
 * destination before normalising, so query() declares intermediates = that
 * dtype wherever oneDNN implements it (only on AVX-512 and later). Zero-size
 * outputs launch nothing; K = 0 and empty reduction rows are filled by the
 * plugin (0, or −∞ for max), since oneDNN 2.x does not define them.
 *
 * Execution is synchronous on the CPU stream. Options: threads (default 1),
 * set through omp_set_num_threads of the OpenMP runtime Debian's oneDNN is
 * built on (process-wide; looked up with dlsym, ignored when oneDNN runs on
 * another runtime). On a 2-core host shared with other work, 2 OpenMP threads
 * made 1 µs softmaxes take 12 ms at p50 (barrier waits), so one is the
 * default. No device timer: certify uses its host clock.
 *
 * device_info's implementation is the oneDNN version and the effective ISA
 * its JIT targets on this CPU (dnnl_get_effective_cpu_isa, in oneDNN's words;
 * ONEDNN_MAX_CPU_ISA caps it): that ISA decides which dtypes exist and how
 * int8 matmul sums (docs/real-libraries.md, "What certify found").
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"
#define N_KERNELS 22
#define N_DTYPES 7
#define MAX_SLOTS 6

struct cb_backend {
    cbs_device layer; /* first: host buffers and the plans (support/device.c) */
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    unsigned char supported[N_KERNELS][N_DTYPES][N_DTYPES]; /* [kernel][dtype][convert destination] */
};

/* Where a oneDNN memory's data comes from at execute. */
enum { FROM_INPUT = 0, FROM_OUTPUT = 1, FROM_SCRATCH = 2 };

typedef struct slot {
    int arg;          /* DNNL_ARG_* */
    dnnl_memory_t memory;
    int from, index;  /* FROM_INPUT / FROM_OUTPUT with the buffer index, or FROM_SCRATCH */
    float *scratch;   /* FROM_SCRATCH: f32 copy of input `index` (layer-norm scale or shift) */
} slot;

enum { RUN_PRIMITIVE, RUN_NOTHING, RUN_FILL };

struct cb_plan {
    cbs_plan checked; /* first: the op and its geometry */
    int mode;
    float fill; /* RUN_FILL: the value every output element gets */
    dnnl_primitive_t primitive;
    size_t n_slots;
    slot slots[MAX_SLOTS];
};

static dnnl_data_type_t dt_of(uint32_t dtype) {
    switch (dtype) {
    case CB_DTYPE_F32: return dnnl_f32;
    case CB_DTYPE_F16: return dnnl_f16;
    case CB_DTYPE_BF16: return dnnl_bf16;
    case CB_DTYPE_I8: return dnnl_s8;
    case CB_DTYPE_I32: return dnnl_s32;
    default: return dnnl_data_type_undef;
    }
}

static cb_status dnnl_fail(cb_error *error, const char *call, dnnl_status_t status) {
    cbs_set_error(error, (int32_t)status, "%s failed: oneDNN status %s", call, dnnl_status2str(status));
    if (status == dnnl_unimplemented) {
        return CB_STATUS_UNSUPPORTED;
    }
    return status == dnnl_out_of_memory ? CB_STATUS_OUT_OF_MEMORY : CB_STATUS_DEVICE_ERROR;
}

static void md(dnnl_memory_desc_t *out, int ndims, const size_t *dims, dnnl_data_type_t dt) {
    dnnl_dims_t d;
    for (int i = 0; i < ndims; i++) {
        d[i] = (dnnl_dim_t)dims[i];
    }
    static const dnnl_format_tag_t tags[] = {dnnl_format_tag_undef, dnnl_a, dnnl_ab, dnnl_abc};
    dnnl_memory_desc_init_by_tag(out, ndims, d, dt, tags[ndims]);
}

static void release_plan_objects(cbs_plan *checked) {
    cb_plan *plan = (cb_plan *)(void *)checked;
    for (size_t i = 0; i < plan->n_slots; i++) {
        if (plan->slots[i].memory != NULL) {
            dnnl_memory_destroy(plan->slots[i].memory);
        }
        free(plan->slots[i].scratch);
    }
    plan->n_slots = 0;
    if (plan->primitive != NULL) {
        dnnl_primitive_destroy(plan->primitive);
        plan->primitive = NULL;
    }
}

/* Adds a slot bound to `desc`. */
static cb_status add_slot(cb_backend *backend, cb_plan *plan, int arg, const dnnl_memory_desc_t *desc, int from,
                          int index, size_t scratch_floats, cb_error *error) {
    slot *s = &plan->slots[plan->n_slots];
    memset(s, 0, sizeof *s);
    dnnl_status_t st = dnnl_memory_create(&s->memory, desc, backend->engine, DNNL_MEMORY_NONE);
    if (st != dnnl_success) {
        return dnnl_fail(error, "dnnl_memory_create", st);
    }
    plan->n_slots++;
    s->arg = arg;
    s->from = from;
    s->index = index;
    if (from == FROM_SCRATCH) {
        s->scratch = malloc(scratch_floats > 0 ? scratch_floats * sizeof(float) : 1);
        if (s->scratch == NULL) {
            return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu floats", scratch_floats);
        }
        dnnl_memory_set_data_handle(s->memory, s->scratch);
    }
    return CB_STATUS_OK;
}

/* Builds the oneDNN primitive (or a trivial mode) for op into plan. */
static cb_status build(cb_backend *backend, const cb_op *op, const cbs_geometry *g, cb_plan *plan, cb_error *error) {
    const size_t *d = g->dims;
    const dnnl_data_type_t dt = dt_of(op->dtype);
    const char *name = cbs_kernel_name(op->kernel);
    if (dt == dnnl_data_type_undef) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s has no oneDNN type for %s", name, cbs_dtype_name(op->dtype));
    }
    size_t output_volume = g->outputs[0].bytes;
    if (output_volume == 0) {
        plan->mode = RUN_NOTHING;
        return CB_STATUS_OK;
    }
    dnnl_memory_desc_t a, b, c;
    const void *desc = NULL;
    union {
        dnnl_matmul_desc_t matmul;
        dnnl_softmax_v2_desc_t softmax;
        dnnl_layer_normalization_desc_t lnorm;
        dnnl_eltwise_desc_t eltwise;
        dnnl_reduction_desc_t reduction;
        dnnl_binary_desc_t binary;
    } u;
    dnnl_status_t st = dnnl_success;
    const char *call = "";
    switch (op->kernel) {
    case CB_KERNEL_GEMM:
    case CB_KERNEL_GEMM_I8:
    case CB_KERNEL_GEMM_BATCHED: {
        int batched = op->kernel == CB_KERNEL_GEMM_BATCHED, nd = 2 + batched;
        size_t bt = batched ? d[0] : 1, m = d[batched], n = d[batched + 1], k = d[batched + 2];
        if (k == 0) {
            plan->mode = RUN_FILL;
            plan->fill = 0.0f;
            return CB_STATUS_OK;
        }
        size_t da[3], db[3], dc[3];
        size_t *pa = da, *pb = db, *pc = dc;
        if (batched) {
            *pa++ = bt, *pb++ = bt, *pc++ = bt;
        }
        pa[0] = m, pa[1] = k, pb[0] = k, pb[1] = n, pc[0] = m, pc[1] = n;
        md(&a, nd, da, dt);
        md(&b, nd, db, dt);
        md(&c, nd, dc, op->kernel == CB_KERNEL_GEMM_I8 ? dnnl_s32 : dt);
        call = "dnnl_matmul_desc_init";
        st = dnnl_matmul_desc_init(&u.matmul, &a, &b, NULL, &c);
        desc = &u.matmul;
        break;
    }
    case CB_KERNEL_SOFTMAX:
        if (op->flags != 0) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED,
                            "oneDNN 2.x softmax takes no mask: causal and masked softmax (flags 0x%x) are not expressible",
                            op->flags);
        }
        md(&a, 2, d, dt);
        call = "dnnl_softmax_v2_forward_desc_init";
        st = dnnl_softmax_v2_forward_desc_init(&u.softmax, dnnl_forward_inference, dnnl_softmax_accurate, &a, &a, 1);
        desc = &u.softmax;
        break;
    case CB_KERNEL_LAYERNORM:
        md(&a, 2, d, dt);
        call = "dnnl_layer_normalization_forward_desc_init";
        st = dnnl_layer_normalization_forward_desc_init(&u.lnorm, dnnl_forward_inference, &a, NULL,
                                                         (float)op->scalars[0], dnnl_use_scale | dnnl_use_shift);
        desc = &u.lnorm;
        break;
    case CB_KERNEL_SILU:
    case CB_KERNEL_GELU_ERF:
    case CB_KERNEL_GELU_TANH: {
        dnnl_alg_kind_t alg = op->kernel == CB_KERNEL_SILU       ? dnnl_eltwise_swish
                              : op->kernel == CB_KERNEL_GELU_ERF ? dnnl_eltwise_gelu_erf
                                                                 : dnnl_eltwise_gelu_tanh;
        md(&a, 1, d, dt);
        call = "dnnl_eltwise_forward_desc_init";
        st = dnnl_eltwise_forward_desc_init(&u.eltwise, dnnl_forward_inference, alg, &a, 1.0f, 0.0f);
        desc = &u.eltwise;
        break;
    }
    case CB_KERNEL_REDUCE_SUM:
    case CB_KERNEL_REDUCE_MAX: {
        if (d[1] == 0) {
            plan->mode = RUN_FILL;
            plan->fill = op->kernel == CB_KERNEL_REDUCE_SUM ? 0.0f : -INFINITY;
            return CB_STATUS_OK;
        }
        size_t dd[2] = {d[0], 1};
        md(&a, 2, d, dt);
        md(&c, 2, dd, dt);
        call = "dnnl_reduction_desc_init";
        st = dnnl_reduction_desc_init(&u.reduction, op->kernel == CB_KERNEL_REDUCE_SUM ? dnnl_reduction_sum
                                                                                      : dnnl_reduction_max,
                                      &a, &c, 0.0f, 0.0f);
        desc = &u.reduction;
        break;
    }
    case CB_KERNEL_ADD:
        md(&a, 1, d, dt);
        call = "dnnl_binary_desc_init";
        st = dnnl_binary_desc_init(&u.binary, dnnl_binary_add, &a, &a, &a);
        desc = &u.binary;
        break;
    case CB_KERNEL_CONVERT:
        if (dt_of(op->flags) == dnnl_data_type_undef || !cbs_is_float_dtype(op->flags) ||
            !cbs_is_float_dtype(op->dtype)) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED, "CONVERT from %s to %s is not implemented",
                            cbs_dtype_name(op->dtype), cbs_dtype_name(op->flags));
        }
        md(&a, 1, d, dt);
        md(&c, 1, d, dt_of(op->flags));
        break;
    default:
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "oneDNN 2.x has no primitive for %s", name);
    }
    if (st != dnnl_success) {
        return dnnl_fail(error, call, st);
    }
    dnnl_primitive_desc_t pd = NULL;
    if (op->kernel == CB_KERNEL_CONVERT) {
        call = "dnnl_reorder_primitive_desc_create";
        st = dnnl_reorder_primitive_desc_create(&pd, &a, backend->engine, &c, backend->engine, NULL);
    } else {
        call = "dnnl_primitive_desc_create";
        st = dnnl_primitive_desc_create(&pd, desc, NULL, backend->engine, NULL);
    }
    if (st != dnnl_success) {
        return dnnl_fail(error, call, st);
    }
    st = dnnl_primitive_create(&plan->primitive, pd);
    dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) {
        plan->primitive = NULL;
        return dnnl_fail(error, "dnnl_primitive_create", st);
    }
    plan->mode = RUN_PRIMITIVE;
    cb_status status = CB_STATUS_OK;
#define SLOT(arg, desc, from, index, floats)                                                                          \
    if (status == CB_STATUS_OK) status = add_slot(backend, plan, arg, desc, from, index, floats, error)
    switch (op->kernel) {
    case CB_KERNEL_GEMM: case CB_KERNEL_GEMM_I8: case CB_KERNEL_GEMM_BATCHED:
        SLOT(DNNL_ARG_SRC, &a, FROM_INPUT, 0, 0);
        SLOT(DNNL_ARG_WEIGHTS, &b, FROM_INPUT, 1, 0);
        SLOT(DNNL_ARG_DST, &c, FROM_OUTPUT, 0, 0);
        break;
    case CB_KERNEL_LAYERNORM: {
        dnnl_memory_desc_t sc;
        md(&sc, 1, &d[1], dnnl_f32);
        SLOT(DNNL_ARG_SRC, &a, FROM_INPUT, 0, 0);
        SLOT(DNNL_ARG_SCALE, &sc, op->dtype == CB_DTYPE_F32 ? FROM_INPUT : FROM_SCRATCH, 1, d[1]);
        SLOT(DNNL_ARG_SHIFT, &sc, op->dtype == CB_DTYPE_F32 ? FROM_INPUT : FROM_SCRATCH, 2, d[1]);
        SLOT(DNNL_ARG_DST, &a, FROM_OUTPUT, 0, 0);
        break;
    }
    case CB_KERNEL_REDUCE_SUM: case CB_KERNEL_REDUCE_MAX: case CB_KERNEL_CONVERT:
        SLOT(DNNL_ARG_SRC, &a, FROM_INPUT, 0, 0);
        SLOT(DNNL_ARG_DST, &c, FROM_OUTPUT, 0, 0);
        break;
    case CB_KERNEL_ADD:
        SLOT(DNNL_ARG_SRC_0, &a, FROM_INPUT, 0, 0);
        SLOT(DNNL_ARG_SRC_1, &a, FROM_INPUT, 1, 0);
        SLOT(DNNL_ARG_DST, &a, FROM_OUTPUT, 0, 0);
        break;
    default: /* softmax, eltwise */
        SLOT(DNNL_ARG_SRC, &a, FROM_INPUT, 0, 0);
        SLOT(DNNL_ARG_DST, &a, FROM_OUTPUT, 0, 0);
        break;
    }
#undef SLOT
    return status;
}

/* Small ops create() offers oneDNN to learn which kernel × dtype pairs it implements on this CPU. */
static int probe(cb_backend *backend, uint32_t kernel, uint32_t dtype, uint32_t flags) {
    cb_op op;
    memset(&op, 0, sizeof op);
    op.struct_size = sizeof op;
    op.kernel = kernel;
    op.dtype = dtype;
    op.flags = flags;
    op.scalars[0] = 1e-5;
    int64_t shapes[][4] = {{0}, {4, 8, 8}, {4, 8}, {4, 8}, {16}, {2, 4, 8, 8}, {4, 8, 8}};
    switch (kernel) {
    case CB_KERNEL_GEMM: case CB_KERNEL_GEMM_I8: op.ndims = 3; memcpy(op.shape, shapes[1], sizeof shapes[1]); break;
    case CB_KERNEL_GEMM_BATCHED: op.ndims = 4; memcpy(op.shape, shapes[5], sizeof shapes[5]); break;
    case CB_KERNEL_SOFTMAX: case CB_KERNEL_LAYERNORM: case CB_KERNEL_REDUCE_SUM: case CB_KERNEL_REDUCE_MAX:
        op.ndims = 2; memcpy(op.shape, shapes[2], sizeof shapes[2]); break;
    case CB_KERNEL_SILU: case CB_KERNEL_GELU_ERF: case CB_KERNEL_GELU_TANH: case CB_KERNEL_ADD: case CB_KERNEL_CONVERT:
        op.ndims = 1; memcpy(op.shape, shapes[4], sizeof shapes[4]); break;
    default: return 0;
    }
    cbs_geometry g;
    cb_error error = {.struct_size = sizeof error};
    if (cbs_op_geometry(&op, &g, &error) != CB_STATUS_OK) {
        return 0;
    }
    cb_plan plan;
    memset(&plan, 0, sizeof plan);
    int ok = build(backend, &op, &g, &plan, &error) == CB_STATUS_OK;
    release_plan_objects(&plan.checked);
    return ok;
}

static void od_destroy(cb_backend *backend);

static cb_status od_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
    int threads;
    cb_status status;
    cb_backend *backend = cbs_create_threaded(out, options, n_options, sizeof(cb_backend), &threads, &status, error);
    if (backend == NULL) {
        return status;
    }
    void (*set_threads)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (set_threads != NULL) {
        set_threads(threads);
    }
    backend->layer.release_plan = release_plan_objects;
    dnnl_status_t st = dnnl_engine_create(&backend->engine, dnnl_cpu, 0);
    if (st != dnnl_success) {
        free(backend);
        return dnnl_fail(error, "dnnl_engine_create", st);
    }
    st = dnnl_stream_create(&backend->stream, backend->engine, dnnl_stream_default_flags);
    if (st != dnnl_success) {
        od_destroy(backend);
        return dnnl_fail(error, "dnnl_stream_create", st);
    }
    static const uint32_t floats[] = {CB_DTYPE_F32, CB_DTYPE_F16, CB_DTYPE_BF16};
    for (uint32_t kernel = 1; kernel < N_KERNELS; kernel++) {
        if (kernel == CB_KERNEL_GEMM_I8) {
            backend->supported[kernel][CB_DTYPE_I8][0] = (unsigned char)probe(backend, kernel, CB_DTYPE_I8, 0);
            continue;
        }
        for (size_t i = 0; i < 3; i++) {
            if (kernel == CB_KERNEL_CONVERT) {
                for (size_t j = 0; j < 3; j++) {
                    backend->supported[kernel][floats[i]][floats[j]] =
                        (unsigned char)probe(backend, kernel, floats[i], floats[j]);
                    backend->supported[kernel][floats[i]][0] |= backend->supported[kernel][floats[i]][floats[j]];
                }
            } else {
                backend->supported[kernel][floats[i]][0] = (unsigned char)probe(backend, kernel, floats[i], 0);
            }
        }
    }
    *out = backend;
    return CB_STATUS_OK;
}

static void od_destroy(cb_backend *backend) {
    if (backend == NULL) {
        return;
    }
    cbs_device_close(backend);
    if (backend->stream != NULL) {
        dnnl_stream_destroy(backend->stream);
    }
    if (backend->engine != NULL) {
        dnnl_engine_destroy(backend->engine);
    }
    free(backend);
}

/* oneDNN's name of the instruction set its JIT kernels target on this CPU
 * (capped by ONEDNN_MAX_CPU_ISA / DNNL_MAX_CPU_ISA), e.g. "avx512_core_bf16". */
static const char *effective_isa(void) {
    const char *name = dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa());
    return strncmp(name, "cpu_isa_", 8) == 0 ? name + 8 : name;
}

static cb_status od_device_info(cb_backend *backend, cb_device_info *out, cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "device_info needs a backend and an output struct");
    }
    cb_device_info info;
    memset(&info, 0, sizeof info);
    const dnnl_version_t *v = dnnl_version();
    char text[2 * CB_INFO_STRING_CAPACITY];
    snprintf(text, sizeof text, "Host CPU via oneDNN (bf16 %s, f16 %s)",
             backend->supported[CB_KERNEL_GEMM][CB_DTYPE_BF16][0] ? "matmul" : "unsupported",
             backend->supported[CB_KERNEL_GEMM][CB_DTYPE_F16][0] ? "matmul" : "unsupported");
    cbs_set_info(info.name, text);
    cbs_set_info(info.vendor, "oneDNN");
    snprintf(text, sizeof text, "oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch, v->hash ? v->hash : "");
    cbs_set_info(info.driver_version, text);
    snprintf(text, sizeof text, "oneDNN %d.%d.%d, effective ISA %s", v->major, v->minor, v->patch, effective_isa());
    cbs_set_info(info.implementation, text);
    return cbs_put_device_info(out, &info, error);
}

/* The kernels built on oneDNN's JIT exp, which zeroes results below FLT_MIN. */
static int flushes_subnormals(uint32_t kernel) {
    return kernel == CB_KERNEL_SOFTMAX || kernel == CB_KERNEL_SILU || kernel == CB_KERNEL_GELU_ERF ||
           kernel == CB_KERNEL_GELU_TANH;
}

static cb_status od_query(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out, cb_error *error) {
    cb_status status = cbs_query_check(backend, out, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    cb_capability answer;
    memset(&answer, 0, sizeof answer);
    if (kernel < N_KERNELS && dtype < N_DTYPES && backend->supported[kernel][dtype][0]) {
        answer = cbs_supported(kernel, CB_DTYPE_F32, flushes_subnormals(kernel) ? CB_DENORMALS_FLUSH : CB_DENORMALS_PRESERVE,
                               CB_ROUNDING_NEAREST_EVEN);
        /* oneDNN 2.x (up to 3.4) writes a softmax's exp(x − max) into the
         * destination and normalises it there, in its JIT and its reference
         * implementation alike (ref_softmax.cpp stores them in dst unless it
         * is int8), so a bf16 or f16 destination rounds every exponential
         * to that dtype first: scripts/repro/onednn_bf16_softmax.c reproduces
         * every output so. 3.5 gave it an f32 scratchpad ("enable scratchpad
         * for non-f32 dst dt"); this plugin is written to the 2.x API. */
        int narrow = kernel == CB_KERNEL_SOFTMAX && (dtype == CB_DTYPE_BF16 || dtype == CB_DTYPE_F16);
        answer.intermediates = narrow ? dtype : 0;
    }
    return cbs_put_capability(out, &answer, error);
}

static cb_status od_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error) {
    if (cbs_refuse_abi_1_2(op, "oneDNN", error) != CB_STATUS_OK) {
        return CB_STATUS_UNSUPPORTED;
    }
    cb_status status = cbs_device_prepare(backend, op, sizeof(cb_plan), out, error);
    if (status == CB_STATUS_OK) {
        status = build(backend, op, &(*out)->checked.geometry, *out, error);
        if (status != CB_STATUS_OK) {
            cbs_device_release(backend, *out); /* and what build made of it */
            *out = NULL;
        }
    }
    return status;
}

static cb_status od_checked_execute(cb_backend *backend, cb_plan *plan, const cbs_operands *operands,
                                    cb_error *error) {
    const cbs_geometry *g = &plan->checked.geometry;
    if (plan->mode == RUN_NOTHING) {
        return CB_STATUS_OK;
    }
    if (plan->mode == RUN_FILL) {
        const cbs_tensor *y = &g->outputs[0];
        if (y->dtype == CB_DTYPE_I32) {
            memset(operands->out[0], 0, y->bytes);
        } else {
            for (size_t i = 0; i < y->bytes / cbs_dtype_size(y->dtype); i++) {
                cbs_store(y->dtype, operands->out[0], i, plan->fill, CB_ROUNDING_NEAREST_EVEN, CB_DENORMALS_PRESERVE);
            }
        }
        return CB_STATUS_OK;
    }
    dnnl_exec_arg_t args[MAX_SLOTS];
    for (size_t i = 0; i < plan->n_slots; i++) {
        slot *s = &plan->slots[i];
        if (s->from == FROM_SCRATCH) {
            /* oneDNN's layer-norm scale and shift are f32: widen G or B exactly */
            cbs_load_row(plan->checked.op.dtype, operands->in[s->index], 0, g->dims[1], s->scratch,
                         CB_DENORMALS_PRESERVE);
        } else {
            /* oneDNN takes a non-const handle even for a source it only reads. */
            void *data = s->from == FROM_INPUT ? (void *)(uintptr_t)operands->in[s->index] : operands->out[s->index];
            dnnl_memory_set_data_handle(s->memory, data);
        }
        args[i].arg = s->arg;
        args[i].memory = s->memory;
    }
    dnnl_status_t st = dnnl_primitive_execute(plan->primitive, backend->stream, (int)plan->n_slots, args);
    if (st != dnnl_success) {
        return dnnl_fail(error, "dnnl_primitive_execute", st);
    }
    return CB_STATUS_OK;
}

static cb_status od_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                            cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    return cbs_device_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, od_checked_execute, error);
}

static cb_status od_synchronize(cb_backend *backend, cb_error *error) {
    if (backend == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "synchronize needs a backend");
    }
    dnnl_status_t st = dnnl_stream_wait(backend->stream);
    return st == dnnl_success ? CB_STATUS_OK : dnnl_fail(error, "dnnl_stream_wait", st);
}

/* No device timer: certify uses its host clock. */
static const cb_api API = CBS_HOST_API("onednn", BACKEND_VERSION, od_create, od_destroy, od_device_info, od_query,
                                       od_prepare, od_execute, od_synchronize, NULL);

CBS_BOOTSTRAP(API)
