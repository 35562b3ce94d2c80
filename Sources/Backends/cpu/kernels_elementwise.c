/*
 * kernels_elementwise.c — SiLU, GELU (erf and tanh forms), SwiGLU, the
 * residual add and dtype conversion for the cpu backend. Each element is
 * computed in fp32 with the C library's float functions (expf, erff, tanhf)
 * straight from the header's formula, then rounded once to the storage dtype.
 */
#include <math.h>
#include <string.h>

#ifndef KERNEL /* the cpu backend; the emulator includes this file after its own numerics */
#include "cpu_kernels.h"
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

static float silu_of(float v) {
    if (defect(CBS_DEFECT_SILU_SIGMOID_OVERFLOW)) {
        const float e = expf(v); /* defect: x·eˣ/(1 + eˣ) is Inf/Inf = NaN once eˣ overflows */
        return v * e / (1.0f + e);
    }
    return v / (1.0f + expf(-v));
}

/* Y = X / (1 + exp(−X)). */
cb_status KERNEL(silu)(uint32_t dtype, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        store(dtype, y, i, silu_of(load(dtype, x, i)));
    }
    return CB_STATUS_OK;
}

/* Y = X/2 · (1 + erf(X/√2)). */
cb_status KERNEL(gelu_tanh)(uint32_t dtype, size_t count, const void *x, void *y);

cb_status KERNEL(gelu_erf)(uint32_t dtype, size_t count, const void *x, void *y) {
    if (defect(CBS_DEFECT_GELU_TANH_FOR_ERF)) {
        return KERNEL(gelu_tanh)(dtype, count, x, y); /* defect: the approximation where erf is declared */
    }
    const float inverse_sqrt2 = 0.70710678118654752f;
    for (size_t i = 0; i < count; i++) {
        const float v = load(dtype, x, i);
        store(dtype, y, i, v / 2.0f * (1.0f + erff(v * inverse_sqrt2)));
    }
    return CB_STATUS_OK;
}

/* Y = X/2 · (1 + tanh(√(2/π) · (X + 0.044715 · X³))). */
cb_status KERNEL(gelu_tanh)(uint32_t dtype, size_t count, const void *x, void *y) {
    const float sqrt_2_over_pi = 0.79788456080286536f;
    for (size_t i = 0; i < count; i++) {
        const float v = load(dtype, x, i);
        const float inner = sqrt_2_over_pi * (v + 0.044715f * v * v * v);
        store(dtype, y, i, v / 2.0f * (1.0f + tanhf(inner)));
    }
    return CB_STATUS_OK;
}

/* Y[r×c] = silu(X[:, 0:c]) · X[:, c:2c]: gate first, then up, in each row. */
cb_status KERNEL(swiglu)(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < cols; j++) {
            const int swapped = defect(CBS_DEFECT_SWIGLU_HALVES_SWAPPED); /* defect: up gated */
            const float gate = load(dtype, x, r * 2 * cols + (swapped ? cols + j : j));
            const float up = load(dtype, x, r * 2 * cols + (swapped ? j : cols + j));
            store(dtype, y, r * cols + j, silu_of(gate) * up);
        }
    }
    return CB_STATUS_OK;
}

/* Y = A + B, one fp32 add per element. */
cb_status KERNEL(add)(uint32_t dtype, size_t count, const void *a, const void *b, void *y) {
    size_t end = defect(CBS_DEFECT_ADD_DROPS_LAST) && count > 0 ? count - 1 : count; /* defect: tail lost */
    if (defect(CBS_DEFECT_WRITES_PAST_OUTPUT) && count > 0) {
        end = count + 16; /* defect: a 16-lane vector past the end, into the buffer's padding */
    }
    for (size_t i = 0; i < end; i++) {
        store(dtype, y, i, load(dtype, a, i) + load(dtype, b, i));
    }
    return CB_STATUS_OK;
}

/* Y[r×c] = A[r×c] + B[c]: the bias B added to every row, one fp32 add each. */
cb_status KERNEL(add_broadcast)(uint32_t dtype, size_t rows, size_t cols, const void *a, const void *b, void *y) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < cols; j++) {
            store(dtype, y, r * cols + j, load(dtype, a, r * cols + j) + load(dtype, b, j));
        }
    }
    return CB_STATUS_OK;
}

/* Y (dtype `to`) = X (dtype `dtype`): widening is exact, narrowing rounds to
 * nearest even; NaN stays NaN (quiet), ±Inf stays ±Inf, overflow gives ±Inf
 * (the support library's conversions, checked against IEEE-754 tables). */
cb_status KERNEL(convert)(uint32_t dtype, uint32_t to, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        float value = load(dtype, x, i);
        if (isnan(value) && defect(CBS_DEFECT_CONVERT_NAN_TO_ZERO)) {
            value = 0.0f; /* defect */
        }
        store(to, y, i, value);
        if (dtype == CB_DTYPE_F32 && to == CB_DTYPE_BF16) {
            uint32_t bits;
            memcpy(&bits, (const unsigned char *)x + i * 4, 4);
            if (defect(CBS_DEFECT_CONVERT_TIES_AWAY) && isfinite(value)) {
                const uint16_t half = (uint16_t)((bits + 0x8000u) >> 16); /* defect: ties away from zero */
                memcpy((unsigned char *)y + i * 2, &half, 2);
            }
            if (defect(CBS_DEFECT_CONVERT_NAN_PAYLOAD_TRUNCATED) && isnan(value)) {
                const uint16_t half = (uint16_t)(bits >> 16); /* defect: a low-payload NaN truncates to ±Inf */
                memcpy((unsigned char *)y + i * 2, &half, 2);
            }
        }
        if (defect(CBS_DEFECT_CONVERT_OVERFLOW_SATURATES) && isfinite(value) && isinf(load(to, y, i))) {
            /* defect: saturates to the destination's largest finite value */
            store(to, y, i, copysignf(to == CB_DTYPE_F16 ? 65504.0f : 3.3895314e38f, value));
        }
    }
    return CB_STATUS_OK;
}
