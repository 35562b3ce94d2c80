/*
 * op_check.c — the kernel list of certify_backend.h turned into checks: which
 * kernel × dtype pairs a host implementation covers, and for one cb_op its
 * shape, flag and scalar rules and the bytes of every tensor. Shared by the
 * cpu backend and the emulator behind the vendor stubs.
 */
#include <math.h>
#include <stdint.h>

#include "cb_support.h"

static int is_float(uint32_t dtype) {
    return dtype == CB_DTYPE_F32 || dtype == CB_DTYPE_F16 || dtype == CB_DTYPE_BF16;
}

int cbs_op_supported(uint32_t kernel, uint32_t dtype) {
    if (kernel == CB_KERNEL_GEMM_I8) {
        return dtype == CB_DTYPE_I8;
    }
    return kernel >= CB_KERNEL_GEMM && kernel <= CB_KERNEL_CONVERT && is_float(dtype);
}

/* The number of shape entries each kernel takes; 0 for an unknown kernel. */
static uint32_t kernel_ndims(uint32_t kernel) {
    switch (kernel) {
    case CB_KERNEL_SILU:
    case CB_KERNEL_GELU_ERF:
    case CB_KERNEL_GELU_TANH:
    case CB_KERNEL_ADD:
    case CB_KERNEL_CONVERT: return 1;
    case CB_KERNEL_SOFTMAX:
    case CB_KERNEL_RMSNORM:
    case CB_KERNEL_LAYERNORM:
    case CB_KERNEL_SWIGLU:
    case CB_KERNEL_ARGMAX:
    case CB_KERNEL_REDUCE_SUM:
    case CB_KERNEL_REDUCE_MAX: return 2;
    case CB_KERNEL_GEMM:
    case CB_KERNEL_GEMM_I8:
    case CB_KERNEL_GEMM_W8:
    case CB_KERNEL_GEMM_W4:
    case CB_KERNEL_EMBEDDING:
    case CB_KERNEL_TOPK: return 3;
    case CB_KERNEL_GEMM_BATCHED:
    case CB_KERNEL_ROPE: return 4;
    case CB_KERNEL_ATTENTION: return 5;
    default: return 0;
    }
}

/* a · b, clearing *fits when the product overflows size_t. */
static size_t mul(size_t a, size_t b, int *fits) {
    if (a != 0 && b > SIZE_MAX / a) {
        *fits = 0;
        return 0;
    }
    return a * b;
}

/* Element counts → byte counts for one tensor. */
static void set_tensor(size_t *bytes, size_t elements, uint32_t dtype, int *fits) {
    *bytes = mul(elements, cbs_dtype_size(dtype), fits);
}

cb_status cbs_op_check(const cb_op *op, cbs_op_layout *layout, cb_error *error) {
    const uint32_t ndims = kernel_ndims(op->kernel);
    if (ndims == 0) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "kernel %u is not implemented", op->kernel);
    }
    const char *kernel = cbs_kernel_name(op->kernel);
    const uint32_t t = op->dtype;
    if (!cbs_op_supported(op->kernel, t)) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s is not implemented for dtype %s (%u)", kernel,
                        cbs_dtype_name(t), t);
    }
    if (op->kernel == CB_KERNEL_SOFTMAX) {
        if ((op->flags & ~(CB_SOFTMAX_CAUSAL | CB_SOFTMAX_MASK)) != 0) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED, "SOFTMAX flags 0x%x are not supported", op->flags);
        }
    } else if (op->kernel == CB_KERNEL_CONVERT) {
        const uint32_t to = op->flags;
        const int narrowing = t == CB_DTYPE_F32 && (to == CB_DTYPE_F16 || to == CB_DTYPE_BF16);
        const int widening = (t == CB_DTYPE_F16 || t == CB_DTYPE_BF16) && to == CB_DTYPE_F32;
        if (!narrowing && !widening) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED, "CONVERT from %s to %s (flags %u) is not implemented",
                            cbs_dtype_name(t), cbs_dtype_name(to), to);
        }
    } else if (op->flags != 0) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s flags 0x%x are not supported", kernel, op->flags);
    }
    if (op->ndims != ndims) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s takes %u dimensions, got ndims %u", kernel, ndims,
                        op->ndims);
    }
    size_t s[5] = {0, 0, 0, 0, 0};
    for (uint32_t i = 0; i < ndims; i++) {
        if (op->shape[i] < 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape[%u] is %lld; dimensions must be >= 0", kernel,
                            i, (long long)op->shape[i]);
        }
        if ((uint64_t)op->shape[i] > SIZE_MAX) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape[%u] is %lld, too large for this host", kernel,
                            i, (long long)op->shape[i]);
        }
        s[i] = (size_t)op->shape[i];
    }

    /* Kernel-specific rules from the header. */
    switch (op->kernel) {
    case CB_KERNEL_RMSNORM:
    case CB_KERNEL_LAYERNORM:
        if (!(op->scalars[0] >= 0.0 && isfinite(op->scalars[0]))) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s eps is %g; it must be finite and >= 0", kernel,
                            op->scalars[0]);
        }
        break;
    case CB_KERNEL_GEMM_W4:
        if ((s[1] * s[2]) % 2 != 0) { /* overflow is caught below; parity survives it */
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "GEMM_W4 packs two weights per byte, so n·k must be even; got n %zu, k %zu", s[1], s[2]);
        }
        break;
    case CB_KERNEL_ROPE:
        if (s[3] > s[2]) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ROPE rot %zu is larger than the head dimension %zu",
                            s[3], s[2]);
        }
        if (s[3] % 2 != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ROPE rot %zu is odd; it rotates pairs of dims", s[3]);
        }
        if (!(op->scalars[0] > 0.0 && isfinite(op->scalars[0]))) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ROPE base is %g; it must be finite and > 0",
                            op->scalars[0]);
        }
        if (!(op->scalars[1] >= 0.0 && op->scalars[1] <= 1e9 && op->scalars[1] == floor(op->scalars[1]))) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "ROPE position offset is %g; it must be a whole number in [0, 1e9]", op->scalars[1]);
        }
        break;
    case CB_KERNEL_ATTENTION:
        if (s[3] == 0 ? s[2] != 0 : s[2] % s[3] != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "ATTENTION has %zu heads and %zu KV groups; h must be a multiple of g", s[2], s[3]);
        }
        if (!isfinite(op->scalars[0])) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ATTENTION scale is %g; it must be finite",
                            op->scalars[0]);
        }
        break;
    case CB_KERNEL_EMBEDDING:
        if (s[1] > (size_t)INT32_MAX) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "EMBEDDING has %zu rows; I32 ids reach only %d", s[1],
                            INT32_MAX);
        }
        break;
    case CB_KERNEL_ARGMAX:
        if (s[1] == 0 && s[0] > 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ARGMAX of %zu empty rows: c must be >= 1", s[0]);
        }
        if (s[1] > (size_t)INT32_MAX) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ARGMAX has %zu columns; I32 indices reach only %d",
                            s[1], INT32_MAX);
        }
        break;
    case CB_KERNEL_TOPK:
        if (s[2] > s[1]) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "TOPK k %zu is larger than the row length c %zu", s[2],
                            s[1]);
        }
        if (s[1] > (size_t)INT32_MAX) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "TOPK has %zu columns; I32 indices reach only %d", s[1],
                            INT32_MAX);
        }
        break;
    default: break;
    }

    /* Tensor sizes, in the order execute receives them. */
    int fits = 1;
    *layout = (cbs_op_layout){.n_inputs = 1, .n_outputs = 1};
    size_t *in = layout->input_bytes, *out = layout->output_bytes;
    switch (op->kernel) {
    case CB_KERNEL_GEMM: /* {m, n, k}: A m×k, B k×n → C m×n */
        layout->n_inputs = 2;
        set_tensor(&in[0], mul(s[0], s[2], &fits), t, &fits);
        set_tensor(&in[1], mul(s[2], s[1], &fits), t, &fits);
        set_tensor(&out[0], mul(s[0], s[1], &fits), t, &fits);
        break;
    case CB_KERNEL_GEMM_BATCHED: /* {b, m, n, k} */
        layout->n_inputs = 2;
        set_tensor(&in[0], mul(s[0], mul(s[1], s[3], &fits), &fits), t, &fits);
        set_tensor(&in[1], mul(s[0], mul(s[3], s[2], &fits), &fits), t, &fits);
        set_tensor(&out[0], mul(s[0], mul(s[1], s[2], &fits), &fits), t, &fits);
        break;
    case CB_KERNEL_GEMM_I8: /* {m, n, k}: I8, I8 → I32 */
        layout->n_inputs = 2;
        set_tensor(&in[0], mul(s[0], s[2], &fits), CB_DTYPE_I8, &fits);
        set_tensor(&in[1], mul(s[2], s[1], &fits), CB_DTYPE_I8, &fits);
        set_tensor(&out[0], mul(s[0], s[1], &fits), CB_DTYPE_I32, &fits);
        break;
    case CB_KERNEL_GEMM_W8:
    case CB_KERNEL_GEMM_W4: /* {m, n, k}: A m×k (T), W (I8), S n (T) → C m×n (T) */
        layout->n_inputs = 3;
        set_tensor(&in[0], mul(s[0], s[2], &fits), t, &fits);
        in[1] = mul(s[2], s[1], &fits);
        if (op->kernel == CB_KERNEL_GEMM_W4) {
            in[1] /= 2;
        }
        set_tensor(&in[2], s[1], t, &fits);
        set_tensor(&out[0], mul(s[0], s[1], &fits), t, &fits);
        break;
    case CB_KERNEL_SOFTMAX: /* {r, c}: X (and M, I8) → Y */
        set_tensor(&in[0], mul(s[0], s[1], &fits), t, &fits);
        if (op->flags & CB_SOFTMAX_MASK) {
            layout->n_inputs = 2;
            set_tensor(&in[1], mul(s[0], s[1], &fits), CB_DTYPE_I8, &fits);
        }
        out[0] = in[0];
        break;
    case CB_KERNEL_RMSNORM: /* {r, c}: X, W c → Y */
        layout->n_inputs = 2;
        set_tensor(&in[0], mul(s[0], s[1], &fits), t, &fits);
        set_tensor(&in[1], s[1], t, &fits);
        out[0] = in[0];
        break;
    case CB_KERNEL_LAYERNORM: /* {r, c}: X, G c, B c → Y */
        layout->n_inputs = 3;
        set_tensor(&in[0], mul(s[0], s[1], &fits), t, &fits);
        set_tensor(&in[1], s[1], t, &fits);
        set_tensor(&in[2], s[1], t, &fits);
        out[0] = in[0];
        break;
    case CB_KERNEL_SWIGLU: /* {r, c}: X r×2c → Y r×c */
        set_tensor(&in[0], mul(s[0], mul(2, s[1], &fits), &fits), t, &fits);
        set_tensor(&out[0], mul(s[0], s[1], &fits), t, &fits);
        break;
    case CB_KERNEL_ROPE: /* {t, h, d, rot}: X t×h×d → Y */
        set_tensor(&in[0], mul(s[0], mul(s[1], s[2], &fits), &fits), t, &fits);
        out[0] = in[0];
        break;
    case CB_KERNEL_ATTENTION: /* {q, kv, h, g, d}: Q q×h×d, K kv×g×d, V kv×g×d → O q×h×d */
        layout->n_inputs = 3;
        set_tensor(&in[0], mul(s[0], mul(s[2], s[4], &fits), &fits), t, &fits);
        set_tensor(&in[1], mul(s[1], mul(s[3], s[4], &fits), &fits), t, &fits);
        in[2] = in[1];
        out[0] = in[0];
        break;
    case CB_KERNEL_EMBEDDING: /* {n, v, w}: E v×w, ids n (I32) → Y n×w */
        layout->n_inputs = 2;
        set_tensor(&in[0], mul(s[1], s[2], &fits), t, &fits);
        set_tensor(&in[1], s[0], CB_DTYPE_I32, &fits);
        set_tensor(&out[0], mul(s[0], s[2], &fits), t, &fits);
        break;
    case CB_KERNEL_ARGMAX: /* {r, c}: X → I r (I32) */
        set_tensor(&in[0], mul(s[0], s[1], &fits), t, &fits);
        set_tensor(&out[0], s[0], CB_DTYPE_I32, &fits);
        break;
    case CB_KERNEL_TOPK: /* {r, c, k}: X → V r×k (T), I r×k (I32) */
        layout->n_outputs = 2;
        set_tensor(&in[0], mul(s[0], s[1], &fits), t, &fits);
        set_tensor(&out[0], mul(s[0], s[2], &fits), t, &fits);
        set_tensor(&out[1], mul(s[0], s[2], &fits), CB_DTYPE_I32, &fits);
        break;
    case CB_KERNEL_REDUCE_SUM:
    case CB_KERNEL_REDUCE_MAX: /* {r, c}: X → Y r */
        set_tensor(&in[0], mul(s[0], s[1], &fits), t, &fits);
        set_tensor(&out[0], s[0], t, &fits);
        break;
    case CB_KERNEL_ADD: /* {n}: A, B → Y */
        layout->n_inputs = 2;
        set_tensor(&in[0], s[0], t, &fits);
        in[1] = in[0];
        out[0] = in[0];
        break;
    case CB_KERNEL_CONVERT: /* {n}: X (T) → Y (flags) */
        set_tensor(&in[0], s[0], t, &fits);
        set_tensor(&out[0], s[0], op->flags, &fits);
        break;
    default: /* SILU, GELU_ERF, GELU_TANH {n}: X → Y */
        set_tensor(&in[0], s[0], t, &fits);
        out[0] = in[0];
        break;
    }
    if (!fits) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape is too large: its tensors overflow size_t", kernel);
    }
    return CB_STATUS_OK;
}
