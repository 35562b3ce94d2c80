/*
 * kernels_elementwise.c — SiLU, GELU (erf and tanh forms), SwiGLU, the
 * residual add and dtype conversion for the cpu backend. Each element is
 * computed in fp32 with the C library's float functions (expf, erff, tanhf)
 * straight from the header's formula, then rounded once to the storage dtype.
 */
#include <math.h>

#include "cpu_kernels.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

static float silu_of(float v) {
    return v / (1.0f + expf(-v));
}

/* Y = X / (1 + exp(−X)). */
cb_status k_silu(uint32_t dtype, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        store(dtype, y, i, silu_of(load(dtype, x, i)));
    }
    return CB_STATUS_OK;
}

/* Y = X/2 · (1 + erf(X/√2)). */
cb_status k_gelu_erf(uint32_t dtype, size_t count, const void *x, void *y) {
    const float inverse_sqrt2 = 0.70710678118654752f;
    for (size_t i = 0; i < count; i++) {
        const float v = load(dtype, x, i);
        store(dtype, y, i, v / 2.0f * (1.0f + erff(v * inverse_sqrt2)));
    }
    return CB_STATUS_OK;
}

/* Y = X/2 · (1 + tanh(√(2/π) · (X + 0.044715 · X³))). */
cb_status k_gelu_tanh(uint32_t dtype, size_t count, const void *x, void *y) {
    const float sqrt_2_over_pi = 0.79788456080286536f;
    for (size_t i = 0; i < count; i++) {
        const float v = load(dtype, x, i);
        const float inner = sqrt_2_over_pi * (v + 0.044715f * v * v * v);
        store(dtype, y, i, v / 2.0f * (1.0f + tanhf(inner)));
    }
    return CB_STATUS_OK;
}

/* Y[r×c] = silu(X[:, 0:c]) · X[:, c:2c]: gate first, then up, in each row. */
cb_status k_swiglu(uint32_t dtype, size_t rows, size_t cols, const void *x, void *y) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < cols; j++) {
            const float gate = load(dtype, x, r * 2 * cols + j);
            const float up = load(dtype, x, r * 2 * cols + cols + j);
            store(dtype, y, r * cols + j, silu_of(gate) * up);
        }
    }
    return CB_STATUS_OK;
}

/* Y = A + B, one fp32 add per element. */
cb_status k_add(uint32_t dtype, size_t count, const void *a, const void *b, void *y) {
    for (size_t i = 0; i < count; i++) {
        store(dtype, y, i, load(dtype, a, i) + load(dtype, b, i));
    }
    return CB_STATUS_OK;
}

/* Y (dtype `to`) = X (dtype `dtype`): widening is exact, narrowing rounds to
 * nearest even; NaN stays NaN (quiet), ±Inf stays ±Inf, overflow gives ±Inf
 * (the support library's conversions, checked against IEEE-754 tables). */
cb_status k_convert(uint32_t dtype, uint32_t to, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        store(to, y, i, load(dtype, x, i));
    }
    return CB_STATUS_OK;
}
