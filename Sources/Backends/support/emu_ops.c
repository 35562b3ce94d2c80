/*
 * emu_ops.c — how the emulator runs a checked op: cpu/ops.c with the
 * emulator's kernels, which carry the defect hooks. Keep the two in step; the
 * checks both share are op_check.c.
 */
#include <math.h>
#include <stdint.h>

#include "emu_internal.h"

cb_status emu_run(const cb_op *op, const void *const *in, void *const *out, cb_error *error) {
    const uint32_t t = op->dtype;
    size_t s[5] = {0, 0, 0, 0, 0};
    for (uint32_t i = 0; i < op->ndims && i < 5; i++) {
        s[i] = (size_t)op->shape[i];
    }
    const float scalar0 = (float)op->scalars[0];
    switch (op->kernel) {
    case CB_KERNEL_GEMM: return ek_gemm(t, s[0], s[1], s[2], in[0], in[1], out[0], error);
    case CB_KERNEL_GEMM_BATCHED: return ek_gemm_batched(t, s[0], s[1], s[2], s[3], in[0], in[1], out[0], error);
    case CB_KERNEL_GEMM_I8: return ek_gemm_i8(s[0], s[1], s[2], in[0], in[1], out[0], error);
    case CB_KERNEL_GEMM_W8: return ek_gemm_wq(t, 8, s[0], s[1], s[2], in[0], in[1], in[2], out[0], error);
    case CB_KERNEL_GEMM_W4: return ek_gemm_wq(t, 4, s[0], s[1], s[2], in[0], in[1], in[2], out[0], error);
    case CB_KERNEL_SOFTMAX:
        return ek_softmax(t, op->flags, s[0], s[1], in[0], (op->flags & CB_SOFTMAX_MASK) ? in[1] : NULL, out[0],
                         error);
    case CB_KERNEL_RMSNORM: return ek_rmsnorm(t, s[0], s[1], scalar0, in[0], in[1], out[0]);
    case CB_KERNEL_LAYERNORM: return ek_layernorm(t, s[0], s[1], scalar0, in[0], in[1], in[2], out[0]);
    case CB_KERNEL_SILU: return ek_silu(t, s[0], in[0], out[0]);
    case CB_KERNEL_GELU_ERF: return ek_gelu_erf(t, s[0], in[0], out[0]);
    case CB_KERNEL_GELU_TANH: return ek_gelu_tanh(t, s[0], in[0], out[0]);
    case CB_KERNEL_SWIGLU: return ek_swiglu(t, s[0], s[1], in[0], out[0]);
    case CB_KERNEL_ROPE:
        return ek_rope(t, s[0], s[1], s[2], s[3], scalar0, (int64_t)op->scalars[1], in[0], out[0]);
    case CB_KERNEL_ATTENTION:
        return ek_attention(t, s[0], s[1], s[2], s[3], s[4], scalar0, in[0], in[1], in[2], out[0], error);
    case CB_KERNEL_EMBEDDING: return ek_embedding(t, s[0], s[1], s[2], in[0], in[1], out[0], error);
    case CB_KERNEL_ARGMAX: return ek_argmax(t, s[0], s[1], in[0], out[0]);
    case CB_KERNEL_TOPK: return ek_topk(t, s[0], s[1], s[2], in[0], out[0], out[1], error);
    case CB_KERNEL_REDUCE_SUM: return ek_reduce_sum(t, s[0], s[1], in[0], out[0]);
    case CB_KERNEL_REDUCE_MAX: return ek_reduce_max(t, s[0], s[1], in[0], out[0]);
    case CB_KERNEL_ADD: return ek_add(t, s[0], in[0], in[1], out[0]);
    case CB_KERNEL_CONVERT: return ek_convert(t, op->flags, s[0], in[0], out[0]);
    default: return cbs_fail(error, CB_STATUS_INTERNAL, "kernel %u passed prepare but has no implementation", op->kernel);
    }
}
