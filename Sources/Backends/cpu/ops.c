/*
 * ops.c — how the cpu backend runs a checked op: calls into kernels_*.c.
 * Which ops it takes and how they are checked is support/op_table.c. The
 * emulator compiles it again as emu_run (support/emu_ops.c).
 */
#include <math.h>
#include <stdint.h>

#ifndef KERNEL /* the cpu backend; the emulator includes this file after its own numerics */
#include "cpu_kernels.h"
#endif

cb_status KERNELS_RUN(const cb_op *op, const void *const *in, void *const *out, cb_error *error) {
    const uint32_t t = op->dtype;
    size_t s[CB_MAX_DIMS] = {0};
    for (uint32_t i = 0; i < op->ndims && i < CB_MAX_DIMS; i++) {
        s[i] = (size_t)op->shape[i];
    }
    const float scalar0 = (float)op->scalars[0];
    switch (op->kernel) {
    case CB_KERNEL_GEMM: {
        const uint32_t to = (op->flags & CB_GEMM_OUTPUT_F32) ? (uint32_t)CB_DTYPE_F32 : t;
        return KERNEL(gemm)(t, to, s[0], s[1], s[2], in[0], in[1], out[0], error);
    }
    case CB_KERNEL_GEMM_BATCHED: return KERNEL(gemm_batched)(t, s[0], s[1], s[2], s[3], in[0], in[1], out[0], error);
    case CB_KERNEL_GEMM_I8: return KERNEL(gemm_i8)(s[0], s[1], s[2], in[0], in[1], out[0], error);
    case CB_KERNEL_GEMM_W8: return KERNEL(gemm_wq)(t, 8, s[0], s[1], s[2], in[0], in[1], in[2], out[0], error);
    case CB_KERNEL_GEMM_W4: return KERNEL(gemm_wq)(t, 4, s[0], s[1], s[2], in[0], in[1], in[2], out[0], error);
    case CB_KERNEL_SOFTMAX:
        return KERNEL(softmax)(t, op->flags, s[0], s[1], in[0], (op->flags & CB_SOFTMAX_MASK) ? in[1] : NULL, out[0],
                         error);
    case CB_KERNEL_RMSNORM: return KERNEL(rmsnorm)(t, s[0], s[1], scalar0, in[0], in[1], out[0]);
    case CB_KERNEL_LAYERNORM: return KERNEL(layernorm)(t, s[0], s[1], scalar0, in[0], in[1], in[2], out[0]);
    case CB_KERNEL_SILU: return KERNEL(silu)(t, s[0], in[0], out[0]);
    case CB_KERNEL_GELU_ERF: return KERNEL(gelu_erf)(t, s[0], in[0], out[0]);
    case CB_KERNEL_GELU_TANH: return KERNEL(gelu_tanh)(t, s[0], in[0], out[0]);
    case CB_KERNEL_SWIGLU: return KERNEL(swiglu)(t, s[0], s[1], in[0], out[0]);
    case CB_KERNEL_ROPE:
        return KERNEL(rope)(t, s[0], s[1], s[2], s[3], scalar0, (int64_t)op->scalars[1], in[0], out[0]);
    case CB_KERNEL_ATTENTION:
        return KERNEL(attention)(t, s[0], s[1], s[2], s[3], s[4], scalar0, in[0], in[1], in[2], out[0], error);
    case CB_KERNEL_EMBEDDING: return KERNEL(embedding)(t, s[0], s[1], s[2], in[0], in[1], out[0], error);
    case CB_KERNEL_ARGMAX: return KERNEL(argmax)(t, s[0], s[1], in[0], out[0]);
    case CB_KERNEL_TOPK: return KERNEL(topk)(t, s[0], s[1], s[2], in[0], out[0], out[1], error);
    case CB_KERNEL_REDUCE_SUM: return KERNEL(reduce_sum)(t, s[0], s[1], in[0], out[0]);
    case CB_KERNEL_REDUCE_MAX: return KERNEL(reduce_max)(t, s[0], s[1], in[0], out[0]);
    case CB_KERNEL_ADD:
        if (op->flags & CB_ADD_BROADCAST) {
            return KERNEL(add_broadcast)(t, s[0], s[1], in[0], in[1], out[0]);
        }
        return KERNEL(add)(t, s[0], in[0], in[1], out[0]);
    case CB_KERNEL_ATTENTION_VARLEN:
        return KERNEL(attention_varlen)(t, s[0], s[1], s[2], s[3], s[4], s[5], scalar0, in[0], in[1], in[2], in[3],
                                        in[4], out[0], error);
    case CB_KERNEL_ATTENTION_PAGED:
        return KERNEL(attention_paged)(t, s[0], s[1], s[2], s[3], s[4], s[5], s[6], scalar0, in[0], in[1], in[2],
                                       in[3], in[4], out[0], error);
    case CB_KERNEL_GEMM_W4G:
        return KERNEL(gemm_wg)(t, 4, s[0], s[1], s[2], s[3], in[0], in[1], in[2], in[3], out[0], error);
    case CB_KERNEL_GEMM_W8G:
        return KERNEL(gemm_wg)(t, 8, s[0], s[1], s[2], s[3], in[0], in[1], in[2], in[3], out[0], error);
    case CB_KERNEL_GEMM_I8_DEQUANT:
        return KERNEL(gemm_i8_dequant)(t, s[0], s[1], s[2], in[0], in[1], in[2], in[3], out[0], error);
    case CB_KERNEL_CONVERT: return KERNEL(convert)(t, op->flags, s[0], in[0], out[0]);
    default: return cbs_fail(error, CB_STATUS_INTERNAL, "kernel %u passed prepare but has no implementation", op->kernel);
    }
}
