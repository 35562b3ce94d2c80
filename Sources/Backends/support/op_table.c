/*
 * op_table.c — the kernel list of certify_backend.h as one table: for every
 * kernel its shape, the dtypes a host implementation covers, the flags it
 * takes and the dtype and size of every tensor; then, for one cb_op, its
 * checked geometry. Every backend in Sources/Backends checks ops here.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cb_support.h"

#define T 0u    /* the op's dtype */
#define TO 99u  /* CONVERT's destination dtype, which op->flags holds */
#define TG 98u  /* GEMM's C: F32 with CB_GEMM_OUTPUT_F32, else T */
#define FLOATS (1u << CB_DTYPE_F32 | 1u << CB_DTYPE_F16 | 1u << CB_DTYPE_BF16)

/* One tensor: its dtype, and its element count as the product of the shape
 * entries named in `count`, by the letters of the kernel's `shape` ("mk" is
 * m·k); a digit is a factor, "/2" divides (two int4 weights per byte), and
 * "/" before a letter divides by that dimension (k/G groups; check_values
 * has made sure it divides and is not 0). */
typedef struct tensor_rule {
    uint32_t dtype;    /* a cb_dtype, T or TO */
    const char *count; /* NULL: no such tensor */
} tensor_rule;

typedef struct kernel_rule {
    const char *shape; /* one letter a dimension, as the header names them */
    uint32_t dtypes;   /* 1 << cb_dtype for every T a host implementation covers */
    uint32_t flags;    /* the flags the kernel takes (CONVERT's flags are a dtype) */
    tensor_rule in[CBS_MAX_INPUTS], out[CBS_MAX_OUTPUTS];
} kernel_rule;

/* In execute's order; the header's kernel list is the definition. */
static const kernel_rule RULES[] = {
    [CB_KERNEL_GEMM] = {"mnk", FLOATS, CB_GEMM_OUTPUT_F32, {{T, "mk"}, {T, "kn"}}, {{TG, "mn"}}},
    [CB_KERNEL_SOFTMAX] = {"rc", FLOATS, CB_SOFTMAX_CAUSAL | CB_SOFTMAX_MASK,
                           {{T, "rc"}, {CB_DTYPE_I8, "rc"}}, {{T, "rc"}}}, /* M only with CB_SOFTMAX_MASK */
    [CB_KERNEL_RMSNORM] = {"rc", FLOATS, 0, {{T, "rc"}, {T, "c"}}, {{T, "rc"}}},
    [CB_KERNEL_SILU] = {"n", FLOATS, 0, {{T, "n"}}, {{T, "n"}}},
    [CB_KERNEL_GEMM_BATCHED] = {"bmnk", FLOATS, 0, {{T, "bmk"}, {T, "bkn"}}, {{T, "bmn"}}},
    [CB_KERNEL_GEMM_I8] = {"mnk", 1u << CB_DTYPE_I8, 0, {{CB_DTYPE_I8, "mk"}, {CB_DTYPE_I8, "kn"}},
                           {{CB_DTYPE_I32, "mn"}}},
    [CB_KERNEL_GEMM_W8] = {"mnk", FLOATS, 0, {{T, "mk"}, {CB_DTYPE_I8, "kn"}, {T, "n"}}, {{T, "mn"}}},
    [CB_KERNEL_GEMM_W4] = {"mnk", FLOATS, 0, {{T, "mk"}, {CB_DTYPE_I8, "kn/2"}, {T, "n"}}, {{T, "mn"}}},
    [CB_KERNEL_LAYERNORM] = {"rc", FLOATS, 0, {{T, "rc"}, {T, "c"}, {T, "c"}}, {{T, "rc"}}},
    [CB_KERNEL_GELU_ERF] = {"n", FLOATS, 0, {{T, "n"}}, {{T, "n"}}},
    [CB_KERNEL_GELU_TANH] = {"n", FLOATS, 0, {{T, "n"}}, {{T, "n"}}},
    [CB_KERNEL_SWIGLU] = {"rc", FLOATS, 0, {{T, "r2c"}}, {{T, "rc"}}},
    [CB_KERNEL_ROPE] = {"thdr", FLOATS, 0, {{T, "thd"}}, {{T, "thd"}}}, /* r: rot */
    [CB_KERNEL_ATTENTION] = {"qvhgd", FLOATS, 0, {{T, "qhd"}, {T, "vgd"}, {T, "vgd"}}, {{T, "qhd"}}}, /* v: kv */
    [CB_KERNEL_EMBEDDING] = {"nvw", FLOATS, 0, {{T, "vw"}, {CB_DTYPE_I32, "n"}}, {{T, "nw"}}},
    [CB_KERNEL_ARGMAX] = {"rc", FLOATS, 0, {{T, "rc"}}, {{CB_DTYPE_I32, "r"}}},
    [CB_KERNEL_TOPK] = {"rck", FLOATS, 0, {{T, "rc"}}, {{T, "rk"}, {CB_DTYPE_I32, "rk"}}},
    [CB_KERNEL_REDUCE_SUM] = {"rc", FLOATS, 0, {{T, "rc"}}, {{T, "r"}}},
    [CB_KERNEL_REDUCE_MAX] = {"rc", FLOATS, 0, {{T, "rc"}}, {{T, "r"}}},
    [CB_KERNEL_ADD] = {"n", FLOATS, 0, {{T, "n"}, {T, "n"}}, {{T, "n"}}},
    [CB_KERNEL_CONVERT] = {"n", FLOATS, 0, {{T, "n"}}, {{TO, "n"}}},
    /* ABI 1.2. ATTENTION_VARLEN: q, v are Σq and Σkv. ATTENTION_PAGED: s is
     * the block size, n the block count, m the table's width. The G-kernels:
     * q is the group size G. */
    [CB_KERNEL_ATTENTION_VARLEN] = {"bqvhgd", FLOATS, 0,
                                    {{T, "qhd"}, {T, "vgd"}, {T, "vgd"}, {CB_DTYPE_I32, "b"}, {CB_DTYPE_I32, "b"}},
                                    {{T, "qhd"}}},
    [CB_KERNEL_ATTENTION_PAGED] = {"bhgdsnm", FLOATS, 0,
                                   {{T, "bhd"}, {T, "nsgd"}, {T, "nsgd"}, {CB_DTYPE_I32, "bm"}, {CB_DTYPE_I32, "b"}},
                                   {{T, "bhd"}}},
    [CB_KERNEL_GEMM_W4G] = {"mnkq", FLOATS, 0, {{T, "mk"}, {CB_DTYPE_I8, "kn/2"}, {T, "k/qn"}, {CB_DTYPE_I8, "k/qn"}},
                            {{T, "mn"}}},
    [CB_KERNEL_GEMM_W8G] = {"mnkq", FLOATS, 0, {{T, "mk"}, {CB_DTYPE_I8, "kn"}, {T, "k/qn"}, {CB_DTYPE_I8, "k/qn"}},
                            {{T, "mn"}}},
    [CB_KERNEL_GEMM_I8_DEQUANT] = {"mnk", FLOATS, 0,
                                   {{CB_DTYPE_I8, "mk"}, {CB_DTYPE_I8, "kn"}, {CB_DTYPE_F32, "m"}, {CB_DTYPE_F32, "n"}},
                                   {{T, "mn"}}},
};

/* ADD with CB_ADD_BROADCAST (ABI 1.2) takes another shape: a bias over rows. */
static const kernel_rule ADD_BROADCAST_RULE = {"rc", FLOATS, CB_ADD_BROADCAST, {{T, "rc"}, {T, "c"}}, {{T, "rc"}}};

static const kernel_rule *rule_of(uint32_t kernel) {
    return kernel < sizeof RULES / sizeof RULES[0] && RULES[kernel].shape != NULL ? &RULES[kernel] : NULL;
}

int cbs_op_supported(uint32_t kernel, uint32_t dtype) {
    const kernel_rule *rule = rule_of(kernel);
    return rule != NULL && dtype < 32 && (rule->dtypes >> dtype & 1u);
}

/* a · b, clearing *fits when the product overflows size_t. */
static size_t mul(size_t a, size_t b, int *fits) {
    if (a != 0 && b > SIZE_MAX / a) {
        *fits = 0;
        return 0;
    }
    return a * b;
}

/* The bytes of one tensor of the op, by its rule. */
static cbs_tensor tensor(const tensor_rule *rule, const char *shape, const size_t *dims, const cb_op *op, int *fits) {
    size_t count = 1;
    for (const char *c = rule->count; *c != '\0'; c++) {
        if (*c == '/') {
            c++;
            const size_t divisor = *c >= '0' && *c <= '9' ? (size_t)(*c - '0') : dims[strchr(shape, *c) - shape];
            count = divisor == 0 ? 0 : count / divisor;
        } else if (*c >= '0' && *c <= '9') {
            count = mul(count, (size_t)(*c - '0'), fits);
        } else {
            count = mul(count, dims[strchr(shape, *c) - shape], fits);
        }
    }
    const uint32_t dtype = rule->dtype == T    ? op->dtype
                           : rule->dtype == TO ? op->flags
                           : rule->dtype == TG ? ((op->flags & CB_GEMM_OUTPUT_F32) ? (uint32_t)CB_DTYPE_F32 : op->dtype)
                                               : rule->dtype;
    return (cbs_tensor){.dtype = dtype, .bytes = mul(count, cbs_dtype_size(dtype), fits)};
}

/* Flags the kernel does not take, and a CONVERT pair other than the
 * header's four, are UNSUPPORTED. */
static cb_status check_flags(const cb_op *op, const kernel_rule *rule, const char *kernel, cb_error *error) {
    const uint32_t t = op->dtype;
    if (op->kernel == CB_KERNEL_CONVERT) {
        const uint32_t to = op->flags;
        const int narrowing = t == CB_DTYPE_F32 && (to == CB_DTYPE_F16 || to == CB_DTYPE_BF16);
        const int widening = (t == CB_DTYPE_F16 || t == CB_DTYPE_BF16) && to == CB_DTYPE_F32;
        if (!narrowing && !widening) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED, "CONVERT from %s to %s (flags %u) is not implemented",
                            cbs_dtype_name(t), cbs_dtype_name(to), to);
        }
    } else if ((op->flags & ~rule->flags) != 0) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s flags 0x%x are not supported", kernel, op->flags);
    }
    return CB_STATUS_OK;
}

/* The rules the header states in words, past the shape: a value out of
 * range is INVALID_ARGUMENT. */
static cb_status check_values(const cb_op *op, const size_t *s, const char *kernel, cb_error *error) {
    switch (op->kernel) {
    case CB_KERNEL_RMSNORM:
    case CB_KERNEL_LAYERNORM:
        if (!(op->scalars[0] >= 0.0 && isfinite(op->scalars[0]))) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s eps is %g; it must be finite and >= 0", kernel,
                            op->scalars[0]);
        }
        break;
    case CB_KERNEL_GEMM_W4:
        if ((s[1] * s[2]) % 2 != 0) { /* overflow is caught later; parity survives it */
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "GEMM_W4 packs two weights per byte, so n·k must be even; got n %zu, k %zu", s[1], s[2]);
        }
        break;
    case CB_KERNEL_GEMM_W4G:
    case CB_KERNEL_GEMM_W8G:
        if (s[3] == 0 || s[2] % s[3] != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "%s group size G %zu must be >= 1 and divide k %zu", kernel, s[3], s[2]);
        }
        if (op->kernel == CB_KERNEL_GEMM_W4G && (s[1] * s[2]) % 2 != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "GEMM_W4G packs two weights per byte, so n·k must be even; got n %zu, k %zu", s[1], s[2]);
        }
        break;
    case CB_KERNEL_ATTENTION_VARLEN:
    case CB_KERNEL_ATTENTION_PAGED: {
        const size_t h = op->kernel == CB_KERNEL_ATTENTION_VARLEN ? s[3] : s[1];
        const size_t g = op->kernel == CB_KERNEL_ATTENTION_VARLEN ? s[4] : s[2];
        if (g == 0 ? h != 0 : h % g != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "%s has %zu heads and %zu KV groups; h must be a multiple of g", kernel, h, g);
        }
        if (!isfinite(op->scalars[0])) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s scale is %g; it must be finite", kernel,
                            op->scalars[0]);
        }
        if (op->kernel == CB_KERNEL_ATTENTION_PAGED && s[4] == 0 && s[6] != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ATTENTION_PAGED block size is 0");
        }
        break;
    }
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
    return CB_STATUS_OK;
}

cb_status cbs_op_geometry(const cb_op *op, cbs_geometry *geometry, cb_error *error) {
    /* A harness with a newer minor ABI may send a bigger cb_op; only the
     * ABI 1.0 fields are read. A smaller one lacks fields the check needs. */
    if (op->struct_size < sizeof(cb_op)) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "op struct_size %zu is smaller than the ABI 1.0 cb_op (%zu)",
                        op->struct_size, sizeof(cb_op));
    }
    const kernel_rule *rule = rule_of(op->kernel);
    if (op->kernel == CB_KERNEL_ADD && (op->flags & CB_ADD_BROADCAST) != 0) {
        rule = &ADD_BROADCAST_RULE;
    }
    if (rule == NULL) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "kernel %u is not implemented", op->kernel);
    }
    const char *kernel = cbs_kernel_name(op->kernel);
    if (!cbs_op_supported(op->kernel, op->dtype)) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s is not implemented for dtype %s (%u)", kernel,
                        cbs_dtype_name(op->dtype), op->dtype);
    }
    cb_status status = check_flags(op, rule, kernel, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    const uint32_t ndims = (uint32_t)strlen(rule->shape);
    if (op->ndims != ndims) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s takes %u dimensions, got ndims %u", kernel, ndims,
                        op->ndims);
    }
    memset(geometry, 0, sizeof *geometry);
    geometry->ndims = ndims;
    size_t *s = geometry->dims;
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
    status = check_values(op, s, kernel, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    int fits = 1;
    size_t n_inputs = 0;
    while (n_inputs < CBS_MAX_INPUTS && rule->in[n_inputs].count != NULL) {
        n_inputs++;
    }
    if (op->kernel == CB_KERNEL_SOFTMAX && (op->flags & CB_SOFTMAX_MASK) == 0) {
        n_inputs = 1; /* no mask M */
    }
    for (size_t i = 0; i < n_inputs; i++) {
        geometry->inputs[geometry->n_inputs++] = tensor(&rule->in[i], rule->shape, s, op, &fits);
    }
    for (size_t o = 0; o < CBS_MAX_OUTPUTS && rule->out[o].count != NULL; o++) {
        geometry->outputs[geometry->n_outputs++] = tensor(&rule->out[o], rule->shape, s, op, &fits);
    }
    if (!fits) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape is too large: its tensors overflow size_t",
                        kernel);
    }
    return CB_STATUS_OK;
}

cb_status cbs_check_varlen(const size_t *dims, const int32_t *q_lengths, const int32_t *kv_lengths, size_t *longest,
                           cb_error *error) {
    size_t sum_q = 0, sum_kv = 0, most = 0;
    for (size_t s = 0; s < dims[0]; s++) {
        if (q_lengths[s] < 0 || kv_lengths[s] < 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "ATTENTION_VARLEN sequence %zu has q %d and kv %d; lengths must be >= 0", s, q_lengths[s],
                            kv_lengths[s]);
        }
        sum_q += (size_t)q_lengths[s];
        sum_kv += (size_t)kv_lengths[s];
        most = (size_t)kv_lengths[s] > most ? (size_t)kv_lengths[s] : most;
    }
    if (sum_q != dims[1] || sum_kv != dims[2]) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                        "ATTENTION_VARLEN lengths sum to %zu queries and %zu keys; the shape says %zu and %zu", sum_q,
                        sum_kv, dims[1], dims[2]);
    }
    if (longest != NULL) {
        *longest = most;
    }
    return CB_STATUS_OK;
}

cb_status cbs_check_paged(const size_t *dims, const int32_t *table, const int32_t *lengths, size_t *longest,
                          cb_error *error) {
    const size_t bs = dims[4], nb = dims[5], mb = dims[6];
    size_t most = 0;
    for (size_t s = 0; s < dims[0]; s++) {
        if (lengths[s] < 0 || (size_t)lengths[s] > mb * bs) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                            "ATTENTION_PAGED sequence %zu has context length %d; it must be in [0, %zu] (mb·bs)", s,
                            lengths[s], mb * bs);
        }
        const size_t blocks = bs > 0 ? ((size_t)lengths[s] + bs - 1) / bs : 0;
        for (size_t i = 0; i < blocks; i++) {
            const int32_t id = table[s * mb + i];
            if (id < 0 || (size_t)id >= nb) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                                "ATTENTION_PAGED block table entry [%zu][%zu] is %d; there are %zu blocks", s, i, id,
                                nb);
            }
        }
        most = (size_t)lengths[s] > most ? (size_t)lengths[s] : most;
    }
    if (longest != NULL) {
        *longest = most;
    }
    return CB_STATUS_OK;
}
