/* real_common.c — see real_common.h. */
#define _POSIX_C_SOURCE 200809L

#include "real_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int mul(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) {
        return 0;
    }
    *out = a * b;
    return 1;
}

static int mul3(size_t a, size_t b, size_t c, size_t *out) {
    size_t ab;
    return mul(a, b, &ab) && mul(ab, c, out);
}

cb_status rc_geometry_of(const cb_op *op, rc_geometry *g, cb_error *error) {
    if (op == NULL || g == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "prepare needs an op");
    }
    if (op->struct_size < sizeof(cb_op)) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "op struct_size %zu is smaller than the ABI 1.0 cb_op (%zu)",
                        op->struct_size, sizeof(cb_op));
    }
    memset(g, 0, sizeof *g);
    uint32_t ndims;
    switch (op->kernel) {
    case CB_KERNEL_SILU: case CB_KERNEL_GELU_ERF: case CB_KERNEL_GELU_TANH: case CB_KERNEL_ADD:
    case CB_KERNEL_CONVERT: ndims = 1; break;
    case CB_KERNEL_SOFTMAX: case CB_KERNEL_RMSNORM: case CB_KERNEL_LAYERNORM: case CB_KERNEL_SWIGLU:
    case CB_KERNEL_ARGMAX: case CB_KERNEL_REDUCE_SUM: case CB_KERNEL_REDUCE_MAX: ndims = 2; break;
    case CB_KERNEL_GEMM: case CB_KERNEL_GEMM_I8: case CB_KERNEL_GEMM_W8: case CB_KERNEL_GEMM_W4:
    case CB_KERNEL_EMBEDDING: case CB_KERNEL_TOPK: ndims = 3; break;
    case CB_KERNEL_GEMM_BATCHED: case CB_KERNEL_ROPE: ndims = 4; break;
    case CB_KERNEL_ATTENTION: ndims = 5; break;
    default: return cbs_fail(error, CB_STATUS_UNSUPPORTED, "kernel %u is not implemented", op->kernel);
    }
    const char *name = cbs_kernel_name(op->kernel);
    uint32_t known_flags = op->kernel == CB_KERNEL_SOFTMAX ? (CB_SOFTMAX_CAUSAL | CB_SOFTMAX_MASK) : 0;
    if (op->kernel != CB_KERNEL_CONVERT && (op->flags & ~known_flags) != 0) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s flags 0x%x are not supported", name, op->flags);
    }
    if (op->ndims != ndims) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s takes %u dimensions, got ndims %u", name, ndims,
                        op->ndims);
    }
    for (uint32_t i = 0; i < ndims; i++) {
        if (op->shape[i] < 0 || (uint64_t)op->shape[i] > SIZE_MAX) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape[%u] is %lld; it must be >= 0 and fit this host",
                            name, i, (long long)op->shape[i]);
        }
        g->dims[i] = (size_t)op->shape[i];
    }
    g->ndims = ndims;
    const size_t *d = g->dims;
    const size_t t = cbs_dtype_size(op->dtype);
    if (t == 0) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "dtype %u is not a certify dtype", op->dtype);
    }
    const size_t i8 = 1, i32 = 4;
    size_t *in = g->input_bytes, *out = g->output_bytes;
    size_t e = 0;
    int ok = 1;
    g->n_outputs = 1;
    switch (op->kernel) {
    case CB_KERNEL_GEMM:
        g->n_inputs = 2;
        ok = mul3(d[0], d[2], t, &in[0]) && mul3(d[2], d[1], t, &in[1]) && mul3(d[0], d[1], t, &out[0]);
        break;
    case CB_KERNEL_GEMM_I8:
        g->n_inputs = 2;
        ok = mul3(d[0], d[2], i8, &in[0]) && mul3(d[2], d[1], i8, &in[1]) && mul3(d[0], d[1], i32, &out[0]);
        break;
    case CB_KERNEL_GEMM_BATCHED:
        g->n_inputs = 2;
        ok = mul3(d[0], d[1], d[3], &e) && mul(e, t, &in[0]) && mul3(d[0], d[3], d[2], &e) && mul(e, t, &in[1]) &&
             mul3(d[0], d[1], d[2], &e) && mul(e, t, &out[0]);
        break;
    case CB_KERNEL_GEMM_W8:
    case CB_KERNEL_GEMM_W4:
        g->n_inputs = 3;
        ok = mul3(d[0], d[2], t, &in[0]) && mul(d[2], d[1], &in[1]) && mul(d[1], t, &in[2]) &&
             mul3(d[0], d[1], t, &out[0]);
        if (ok && op->kernel == CB_KERNEL_GEMM_W4) {
            if (in[1] % 2 != 0) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "GEMM_W4 needs n·k even, got %zu", in[1]);
            }
            in[1] /= 2;
        }
        break;
    case CB_KERNEL_SOFTMAX:
        g->n_inputs = (op->flags & CB_SOFTMAX_MASK) ? 2 : 1;
        ok = mul3(d[0], d[1], t, &in[0]) && mul3(d[0], d[1], i8, &in[1]) && mul3(d[0], d[1], t, &out[0]);
        if (g->n_inputs == 1) {
            in[1] = 0;
        }
        break;
    case CB_KERNEL_RMSNORM:
        g->n_inputs = 2;
        ok = mul3(d[0], d[1], t, &in[0]) && mul(d[1], t, &in[1]);
        out[0] = in[0];
        break;
    case CB_KERNEL_LAYERNORM:
        g->n_inputs = 3;
        ok = mul3(d[0], d[1], t, &in[0]) && mul(d[1], t, &in[1]);
        in[2] = in[1];
        out[0] = in[0];
        break;
    case CB_KERNEL_SWIGLU:
        g->n_inputs = 1;
        ok = mul3(d[0], d[1], t, &out[0]) && mul(out[0], 2, &in[0]);
        break;
    case CB_KERNEL_ROPE:
        g->n_inputs = 1;
        if (d[3] > d[2] || d[3] % 2 != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ROPE rot %zu must be even and <= d %zu", d[3], d[2]);
        }
        ok = mul3(d[0], d[1], d[2], &e) && mul(e, t, &in[0]);
        out[0] = in[0];
        break;
    case CB_KERNEL_ATTENTION:
        g->n_inputs = 3;
        if (d[3] == 0 || d[2] % d[3] != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ATTENTION h %zu must be a multiple of g %zu", d[2],
                            d[3]);
        }
        ok = mul3(d[0], d[2], d[4], &e) && mul(e, t, &in[0]) && mul3(d[1], d[3], d[4], &e) && mul(e, t, &in[1]);
        in[2] = in[1];
        out[0] = in[0];
        break;
    case CB_KERNEL_EMBEDDING:
        g->n_inputs = 2;
        ok = mul3(d[1], d[2], t, &in[0]) && mul(d[0], i32, &in[1]) && mul3(d[0], d[2], t, &out[0]);
        break;
    case CB_KERNEL_ARGMAX:
        g->n_inputs = 1;
        if (d[1] == 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "ARGMAX needs c >= 1");
        }
        ok = mul3(d[0], d[1], t, &in[0]) && mul(d[0], i32, &out[0]);
        break;
    case CB_KERNEL_TOPK:
        g->n_inputs = 1;
        g->n_outputs = 2;
        if (d[2] > d[1]) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "TOPK k %zu exceeds c %zu", d[2], d[1]);
        }
        ok = mul3(d[0], d[1], t, &in[0]) && mul3(d[0], d[2], t, &out[0]) && mul3(d[0], d[2], i32, &out[1]);
        break;
    case CB_KERNEL_REDUCE_SUM:
    case CB_KERNEL_REDUCE_MAX:
        g->n_inputs = 1;
        ok = mul3(d[0], d[1], t, &in[0]) && mul(d[0], t, &out[0]);
        break;
    case CB_KERNEL_ADD:
        g->n_inputs = 2;
        ok = mul(d[0], t, &in[0]);
        in[1] = in[0];
        out[0] = in[0];
        break;
    case CB_KERNEL_CONVERT: {
        size_t to = cbs_dtype_size(op->flags);
        if (to == 0) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED, "CONVERT to dtype %u is not supported", op->flags);
        }
        g->n_inputs = 1;
        ok = mul(d[0], t, &in[0]) && mul(d[0], to, &out[0]);
        break;
    }
    default: /* SILU, GELU_ERF, GELU_TANH */
        g->n_inputs = 1;
        ok = mul(d[0], t, &in[0]);
        out[0] = in[0];
        break;
    }
    if (!ok) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s shape is too large: its tensors overflow size_t", name);
    }
    if ((op->kernel == CB_KERNEL_RMSNORM || op->kernel == CB_KERNEL_LAYERNORM) &&
        !(op->scalars[0] >= 0.0 && isfinite(op->scalars[0]))) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s eps is %g; it must be finite and >= 0", name,
                        op->scalars[0]);
    }
    return CB_STATUS_OK;
}

cb_status rc_check_counts(const rc_geometry *g, size_t n_inputs, size_t n_outputs, cb_error *error) {
    if (n_inputs != g->n_inputs || n_outputs != g->n_outputs) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "execute takes %zu inputs and %zu outputs, got %zu and %zu",
                        g->n_inputs, g->n_outputs, n_inputs, n_outputs);
    }
    return CB_STATUS_OK;
}

void rc_set_info(char field[CB_INFO_STRING_CAPACITY], const char *text) {
    size_t length = strlen(text);
    if (length >= CB_INFO_STRING_CAPACITY) {
        length = CB_INFO_STRING_CAPACITY - 1;
    }
    memcpy(field, text, length);
    field[length] = '\0';
}

uint64_t rc_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

cb_status rc_host_alloc(rc_host_memory *memory, size_t bytes, rc_host_buffer **out, cb_error *error) {
    if (memory == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "alloc needs a backend and an output pointer");
    }
    rc_host_buffer *buffer = calloc(1, sizeof *buffer);
    if (buffer == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a buffer descriptor");
    }
    if (bytes > 0) {
        size_t rounded = (bytes + 63) / 64 * 64;
        buffer->data = rounded >= bytes ? aligned_alloc(64, rounded) : NULL;
        if (buffer->data == NULL) {
            free(buffer);
            return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu bytes of device memory", bytes);
        }
    }
    buffer->owner = memory;
    buffer->size = bytes;
    CBS_LIST_PUSH(memory->buffers, buffer);
    *out = buffer;
    return CB_STATUS_OK;
}

void rc_host_free(rc_host_memory *memory, rc_host_buffer *buffer) {
    if (memory == NULL || buffer == NULL || buffer->owner != memory) {
        return;
    }
    CBS_LIST_REMOVE(memory->buffers, buffer);
    free(buffer->data);
    free(buffer);
}

void rc_host_free_all(rc_host_memory *memory) {
    while (memory != NULL && memory->buffers != NULL) {
        rc_host_free(memory, memory->buffers);
    }
}

static cb_status check_copy(rc_host_memory *memory, rc_host_buffer *buffer, const void *host, size_t bytes,
                            const char *what, cb_error *error) {
    if (memory == NULL || buffer == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s needs a backend and a buffer", what);
    }
    if (buffer->owner != memory) {
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

cb_status rc_host_upload(rc_host_memory *memory, rc_host_buffer *dst, const void *src, size_t bytes,
                         cb_error *error) {
    cb_status status = check_copy(memory, dst, src, bytes, "upload", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(dst->data, src, bytes);
    }
    return status;
}

cb_status rc_host_download(rc_host_memory *memory, rc_host_buffer *src, void *dst, size_t bytes, cb_error *error) {
    cb_status status = check_copy(memory, src, dst, bytes, "download", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(dst, src->data, bytes);
    }
    return status;
}

cb_status rc_host_check_args(rc_host_memory *memory, const rc_geometry *g, rc_host_buffer *const *inputs,
                             size_t n_inputs, rc_host_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    cb_status status = rc_check_counts(g, n_inputs, n_outputs, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    for (size_t i = 0; i < n_inputs + n_outputs; i++) {
        rc_host_buffer *b = i < n_inputs ? (inputs ? inputs[i] : NULL) : (outputs ? outputs[i - n_inputs] : NULL);
        size_t need = i < n_inputs ? g->input_bytes[i] : g->output_bytes[i - n_inputs];
        const char *role = i < n_inputs ? "input" : "output";
        size_t index = i < n_inputs ? i : i - n_inputs;
        if (b == NULL || b->owner != memory) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %zu is NULL or belongs to another backend", role,
                            index);
        }
        if (b->size < need) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %zu holds %zu bytes; this op needs %zu", role,
                            index, b->size, need);
        }
    }
    return CB_STATUS_OK;
}
