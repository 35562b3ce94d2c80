/*
 * Number formats by integer bit manipulation.
 *
 * binary32: sign 1 | exponent 8 (bias 127) | mantissa 23
 * binary16: sign 1 | exponent 5 (bias 15)  | mantissa 10
 * bfloat16: sign 1 | exponent 8 (bias 127) | mantissa 7  (the top half of a binary32)
 *
 * Working on the bits rather than with float arithmetic keeps the results
 * independent of the host's rounding mode, flush-to-zero setting and compiler
 * (x87 excess precision, contraction), which a conformance harness cannot
 * afford to depend on.
 */
#include <string.h>

#include "cb_support.h"

static uint32_t float_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static float bits_float(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

#define F32_ABS_MASK 0x7fffffffu
#define F32_INF 0x7f800000u
#define F32_QUIET 0x00400000u
#define F16_INF 0x7c00u
#define F16_QUIET 0x0200u
#define F16_MAX_FINITE 0x7bffu
#define BF16_QUIET 0x0040u

/* Shifts `magnitude` right by `shift` (1..31) rounding the dropped bits to
 * nearest, ties to even. */
static uint32_t shift_right_nearest_even(uint32_t magnitude, unsigned shift) {
    uint32_t kept = magnitude >> shift;
    uint32_t dropped = magnitude & ((1u << shift) - 1u);
    uint32_t half = 1u << (shift - 1u);
    if (dropped > half || (dropped == half && (kept & 1u))) {
        kept += 1u;
    }
    return kept;
}

/* fp32 -> fp16 with either rounding. A carry out of the mantissa on rounding
 * up runs into the exponent field, which is exactly the next binade (or Inf). */
static uint16_t f32_to_f16(float value, int toward_zero) {
    uint32_t bits = float_bits(value);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    uint32_t magnitude = bits & F32_ABS_MASK;

    if (magnitude > F32_INF) {
        return (uint16_t)(sign | F16_INF | F16_QUIET | ((magnitude >> 13) & 0x03ffu));
    }
    if (magnitude == F32_INF) {
        return (uint16_t)(sign | F16_INF);
    }
    if (toward_zero) {
        /* 65536 = 2^16 and above would need exponent 16: clamp to 65504. */
        if (magnitude >= 0x47800000u) {
            return (uint16_t)(sign | F16_MAX_FINITE);
        }
    } else if (magnitude >= 0x477ff000u) {
        /* 65520 is the midpoint between 65504 (odd mantissa 0x3ff) and 2^16,
         * so it and everything above round to Inf. */
        return (uint16_t)(sign | F16_INF);
    }

    if (magnitude >= 0x38800000u) {
        /* Normal in fp16 (>= 2^-14): rebias the exponent from 127 to 15 and
         * drop 13 mantissa bits. */
        uint32_t rebased = magnitude - ((uint32_t)(127 - 15) << 23);
        uint32_t half = toward_zero ? (rebased >> 13) : shift_right_nearest_even(rebased, 13);
        return (uint16_t)(sign | half);
    }

    /* Subnormal in fp16: the result counts units of 2^-24. A binary32 with
     * biased exponent e and 24-bit significand m is m·2^(e-150), i.e.
     * m·2^(e-126) units; shift m right by 126-e. Below 2^-25 (e < 102) the
     * shift would exceed 24 and every bit is dropped. */
    uint32_t exponent = magnitude >> 23;
    if (exponent < 102u) {
        return sign;
    }
    uint32_t significand = (magnitude & 0x007fffffu) | 0x00800000u;
    unsigned shift = 126u - exponent;
    uint32_t units = toward_zero ? (significand >> shift) : shift_right_nearest_even(significand, shift);
    return (uint16_t)(sign | units);
}

uint16_t cbs_f32_to_f16(float value) { return f32_to_f16(value, 0); }

uint16_t cbs_f32_to_f16_rtz(float value) { return f32_to_f16(value, 1); }

float cbs_f16_to_f32(uint16_t bits) {
    uint32_t sign = (uint32_t)(bits & 0x8000u) << 16;
    uint32_t exponent = (bits >> 10) & 0x1fu;
    uint32_t mantissa = bits & 0x03ffu;

    if (exponent == 0x1fu) {
        if (mantissa == 0) {
            return bits_float(sign | F32_INF);
        }
        return bits_float(sign | F32_INF | F32_QUIET | (mantissa << 13));
    }
    if (exponent == 0) {
        if (mantissa == 0) {
            return bits_float(sign);
        }
        /* Subnormal fp16 = mantissa·2^-24, a normal binary32: shift the
         * leading one up to the implicit position, lowering the exponent. */
        uint32_t biased = 127 - 15 + 1;
        while ((mantissa & 0x0400u) == 0) {
            mantissa <<= 1;
            biased -= 1;
        }
        return bits_float(sign | (biased << 23) | ((mantissa & 0x03ffu) << 13));
    }
    return bits_float(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

uint16_t cbs_f32_to_bf16(float value) {
    uint32_t bits = float_bits(value);
    if ((bits & F32_ABS_MASK) > F32_INF) {
        return (uint16_t)((bits >> 16) | BF16_QUIET);
    }
    /* Adding 0x7fff plus the lowest kept bit rounds the dropped half to
     * nearest-even; a carry runs into the exponent, up to Inf. No overflow of
     * 32 bits: the largest non-NaN magnitude is 0x7f800000. */
    uint32_t lowest_kept = (bits >> 16) & 1u;
    return (uint16_t)((bits + 0x7fffu + lowest_kept) >> 16);
}

uint16_t cbs_f32_to_bf16_rtz(float value) {
    uint32_t bits = float_bits(value);
    if ((bits & F32_ABS_MASK) > F32_INF) {
        return (uint16_t)((bits >> 16) | BF16_QUIET);
    }
    return (uint16_t)(bits >> 16);
}

float cbs_bf16_to_f32(uint16_t bits) {
    if ((bits & 0x7fffu) > 0x7f80u) {
        bits |= BF16_QUIET;
    }
    return bits_float((uint32_t)bits << 16);
}

float cbs_flush_f32(float value) {
    uint32_t bits = float_bits(value);
    if ((bits & F32_INF) == 0) {
        return bits_float(bits & 0x80000000u);
    }
    return value;
}

uint16_t cbs_flush_f16(uint16_t bits) {
    if ((bits & F16_INF) == 0) {
        return (uint16_t)(bits & 0x8000u);
    }
    return bits;
}

uint16_t cbs_flush_bf16(uint16_t bits) {
    if ((bits & 0x7f80u) == 0) {
        return (uint16_t)(bits & 0x8000u);
    }
    return bits;
}

size_t cbs_dtype_size(uint32_t dtype) {
    switch (dtype) {
    case CB_DTYPE_F32: return 4;
    case CB_DTYPE_F16: return 2;
    case CB_DTYPE_BF16: return 2;
    case CB_DTYPE_F64: return 8;
    case CB_DTYPE_I8: return 1;
    case CB_DTYPE_I32: return 4;
    default: return 0;
    }
}

const char *cbs_dtype_name(uint32_t dtype) {
    switch (dtype) {
    case CB_DTYPE_F32: return "F32";
    case CB_DTYPE_F16: return "F16";
    case CB_DTYPE_BF16: return "BF16";
    case CB_DTYPE_F64: return "F64";
    case CB_DTYPE_I8: return "I8";
    case CB_DTYPE_I32: return "I32";
    default: return "unknown";
    }
}

const char *cbs_kernel_name(uint32_t kernel) {
    switch (kernel) {
    case CB_KERNEL_GEMM: return "GEMM";
    case CB_KERNEL_SOFTMAX: return "SOFTMAX";
    case CB_KERNEL_RMSNORM: return "RMSNORM";
    case CB_KERNEL_SILU: return "SILU";
    case CB_KERNEL_GEMM_BATCHED: return "GEMM_BATCHED";
    case CB_KERNEL_GEMM_I8: return "GEMM_I8";
    case CB_KERNEL_GEMM_W8: return "GEMM_W8";
    case CB_KERNEL_GEMM_W4: return "GEMM_W4";
    case CB_KERNEL_LAYERNORM: return "LAYERNORM";
    case CB_KERNEL_GELU_ERF: return "GELU_ERF";
    case CB_KERNEL_GELU_TANH: return "GELU_TANH";
    case CB_KERNEL_SWIGLU: return "SWIGLU";
    case CB_KERNEL_ROPE: return "ROPE";
    case CB_KERNEL_ATTENTION: return "ATTENTION";
    case CB_KERNEL_EMBEDDING: return "EMBEDDING";
    case CB_KERNEL_ARGMAX: return "ARGMAX";
    case CB_KERNEL_TOPK: return "TOPK";
    case CB_KERNEL_REDUCE_SUM: return "REDUCE_SUM";
    case CB_KERNEL_REDUCE_MAX: return "REDUCE_MAX";
    case CB_KERNEL_ADD: return "ADD";
    case CB_KERNEL_CONVERT: return "CONVERT";
    case CB_KERNEL_ATTENTION_VARLEN: return "ATTENTION_VARLEN";
    case CB_KERNEL_ATTENTION_PAGED: return "ATTENTION_PAGED";
    case CB_KERNEL_GEMM_W4G: return "GEMM_W4G";
    case CB_KERNEL_GEMM_W8G: return "GEMM_W8G";
    case CB_KERNEL_GEMM_I8_DEQUANT: return "GEMM_I8_DEQUANT";
    default: return "unknown";
    }
}

int cbs_is_float_dtype(uint32_t dtype) {
    return dtype == CB_DTYPE_F32 || dtype == CB_DTYPE_F16 || dtype == CB_DTYPE_BF16;
}

float cbs_load(uint32_t dtype, const void *base, size_t index, cb_denormals denormals) {
    const unsigned char *bytes = base;
    int flush = denormals == CB_DENORMALS_FLUSH;
    switch (dtype) {
    case CB_DTYPE_F32: {
        float value;
        memcpy(&value, bytes + index * 4, sizeof value);
        return flush ? cbs_flush_f32(value) : value;
    }
    case CB_DTYPE_F16:
    case CB_DTYPE_BF16: {
        const int f16 = dtype == CB_DTYPE_F16;
        uint16_t bits;
        memcpy(&bits, bytes + index * 2, sizeof bits);
        if (flush) {
            bits = f16 ? cbs_flush_f16(bits) : cbs_flush_bf16(bits);
        }
        return f16 ? cbs_f16_to_f32(bits) : cbs_bf16_to_f32(bits);
    }
    default:
        return bits_float(F32_INF | F32_QUIET);
    }
}

void cbs_store(uint32_t dtype, void *base, size_t index, float value, cb_rounding rounding,
               cb_denormals denormals) {
    unsigned char *bytes = base;
    int flush = denormals == CB_DENORMALS_FLUSH;
    int toward_zero = rounding == CB_ROUNDING_TOWARD_ZERO;
    switch (dtype) {
    case CB_DTYPE_F32: {
        float stored = flush ? cbs_flush_f32(value) : value;
        memcpy(bytes + index * 4, &stored, sizeof stored);
        break;
    }
    case CB_DTYPE_F16:
    case CB_DTYPE_BF16: {
        const int f16 = dtype == CB_DTYPE_F16;
        uint16_t bits = f16 ? (toward_zero ? cbs_f32_to_f16_rtz(value) : cbs_f32_to_f16(value))
                            : (toward_zero ? cbs_f32_to_bf16_rtz(value) : cbs_f32_to_bf16(value));
        if (flush) {
            bits = f16 ? cbs_flush_f16(bits) : cbs_flush_bf16(bits);
        }
        memcpy(bytes + index * 2, &bits, sizeof bits);
        break;
    }
    default:
        break;
    }
}

/* The loop of cbs_load_row for a 16-bit format, written once: a macro rather than a function
 * taking the conversions as pointers, so that each instance inlines them and vectorises. */
#define LOAD_16BIT_ROW(widen, flush16)                                                                 \
    for (size_t i = 0; i < count; i++) {                                                               \
        uint16_t bits;                                                                                 \
        memcpy(&bits, bytes + (first + i) * 2, sizeof bits);                                           \
        out[i] = widen(flush ? flush16(bits) : bits);                                                  \
    }

void cbs_load_row(uint32_t dtype, const void *base, size_t first, size_t count, float *out, cb_denormals denormals) {
    const unsigned char *bytes = base;
    int flush = denormals == CB_DENORMALS_FLUSH;
    /* One loop per case, so the conversion inlines and the loop vectorises. */
    switch (dtype) {
    case CB_DTYPE_F32:
        memcpy(out, bytes + first * 4, count * 4);
        if (flush) {
            for (size_t i = 0; i < count; i++) {
                out[i] = cbs_flush_f32(out[i]);
            }
        }
        break;
    case CB_DTYPE_F16:
        LOAD_16BIT_ROW(cbs_f16_to_f32, cbs_flush_f16);
        break;
    case CB_DTYPE_BF16:
        LOAD_16BIT_ROW(cbs_bf16_to_f32, cbs_flush_bf16);
        break;
    default:
        for (size_t i = 0; i < count; i++) {
            out[i] = bits_float(F32_INF | F32_QUIET);
        }
        break;
    }
}

void cbs_store_row(uint32_t dtype, void *base, size_t first, size_t count, const float *values, cb_rounding rounding,
                   cb_denormals denormals) {
    for (size_t i = 0; i < count; i++) {
        cbs_store(dtype, base, first + i, values[i], rounding, denormals);
    }
}
