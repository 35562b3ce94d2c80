/*
 * kernels_attention.c — rotary position embedding and causal multi-query
 * attention for the cpu backend, all in fp32.
 */
#include <math.h>
#include <stdlib.h>

#ifndef KERNEL /* the cpu backend; the emulator includes this file after its own numerics */
#include "cpu_kernels.h"
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC ignores this pragma: build with -ffp-contract=off */
#endif

/* RoPE as ChatGLM2/3 applies it: in each head of each token, pairs
 * (x[2q], x[2q+1]) for q < rot/2 are rotated by the angle
 * (float)position · inv_freq, inv_freq = powf(base, −2q/rot), every step in
 * fp32 (cosf, sinf of the fp32 angle); dims rot … d−1 are copied. */
cb_status KERNEL(rope)(uint32_t dtype, size_t tokens, size_t heads, size_t dim, size_t rot, float base, int64_t offset,
                 const void *x, void *y) {
    for (size_t t = 0; t < tokens; t++) {
        const int64_t start = defect(CBS_DEFECT_ROPE_IGNORES_OFFSET) ? 0 : offset; /* defect: offset dropped */
        const float position = (float)(start + (int64_t)t);
        for (size_t q = 0; q < rot / 2; q++) {
            const float inv_freq = powf(base, -(float)(2 * q) / (float)rot);
            const float angle = position * inv_freq;
            const float c = cosf(angle), s = sinf(angle);
            /* defect rope-half-split rotates (x[q], x[q + rot/2]), the GPT-NeoX layout */
            const int half = defect(CBS_DEFECT_ROPE_HALF_SPLIT);
            const size_t i0 = half ? q : 2 * q, i1 = half ? q + rot / 2 : 2 * q + 1;
            for (size_t hh = 0; hh < heads; hh++) { /* every head of the token turns by the same angle */
                const size_t head = (t * heads + hh) * dim;
                const float x0 = load(dtype, x, head + i0);
                const float x1 = load(dtype, x, head + i1);
                store(dtype, y, head + i0, x0 * c - x1 * s);
                store(dtype, y, head + i1, x1 * c + x0 * s);
            }
        }
        for (size_t hh = 0; hh < heads; hh++) {
            const size_t head = (t * heads + hh) * dim;
            for (size_t j = rot; j < dim; j++) {
                store(dtype, y, head + j, load(dtype, x, head + j));
            }
        }
    }
    return CB_STATUS_OK;
}

/* O[i][j] = Σ_t softmax_t(scale · Q[i][j]·K[t][grp]) · V[t][grp] over the
 * keys t ≤ i + (kv − q), grp = j / (h / g). Scores, the softmax (with the
 * row maximum subtracted) and the weighted sum of V are fp32. A query that
 * sees no key (only possible when q > kv) outputs zeros, as a fully masked
 * softmax row does. */
cb_status KERNEL(attention)(uint32_t dtype, size_t q, size_t kv, size_t h, size_t g, size_t d, float scale,
                      const void *qt, const void *kt, const void *vt, void *o, cb_error *error) {
    if (q == 0 || h == 0 || d == 0) {
        return CB_STATUS_OK;
    }
    /* K and V widened to fp32 once (every element loaded exactly once). */
    const size_t kv_elements = kv * g * d;
    float *keys = calloc(kv_elements > 0 ? kv_elements : 1, sizeof(float));
    float *values = calloc(kv_elements > 0 ? kv_elements : 1, sizeof(float));
    float *scores = calloc(kv > 0 ? kv : 1, sizeof(float));
    float *query = calloc(d, sizeof(float));
    float *out = calloc(d, sizeof(float));
    if (keys == NULL || values == NULL || scores == NULL || query == NULL || out == NULL) {
        free(keys);
        free(values);
        free(scores);
        free(query);
        free(out);
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "ATTENTION cannot allocate its fp32 working space");
    }
    load_row(dtype, kt, 0, kv_elements, keys);
    load_row(dtype, vt, 0, kv_elements, values);
    const size_t heads_per_group = h / g;
    for (size_t i = 0; i < q; i++) {
        int64_t last = (int64_t)i + (int64_t)kv - (int64_t)q; /* last visible key */
        if (defect(CBS_DEFECT_ATTENTION_CAUSAL_TOP_LEFT) && q > 1) {
            last = (int64_t)i; /* defect: the prefill path aligns the diagonal top-left, as if q = kv */
        }
        if (defect(CBS_DEFECT_CAUSAL_OFF_BY_ONE) && last + 1 < (int64_t)kv) {
            last += 1; /* defect: one key past the diagonal */
        }
        const size_t visible = last < 0 ? 0 : (size_t)last + 1;
        for (size_t j = 0; j < h; j++) {
            const size_t group = defect(CBS_DEFECT_KV_GROUP_MODULO) ? j % g : j / heads_per_group; /* defect */
            load_row(dtype, qt, (i * h + j) * d, d, query);
            float max = -INFINITY;
            for (size_t t = 0; t < visible; t++) {
                const float *key = keys + (t * g + group) * d;
                float dot = 0.0f;
                for (size_t e = 0; e < d; e++) {
                    dot = dot + query[e] * key[e];
                }
                scores[t] = defect(CBS_DEFECT_ATTENTION_SCALE_MISSING) ? dot : dot * scale; /* defect: unscaled */
                if (scores[t] > max) {
                    max = scores[t];
                }
            }
            float sum = 0.0f;
            for (size_t t = 0; t < visible; t++) {
                scores[t] = expf(scores[t] - max);
                sum = sum + scores[t];
            }
            for (size_t e = 0; e < d; e++) {
                out[e] = 0.0f;
            }
            for (size_t t = 0; t < visible; t++) {
                const float *value = values + (t * g + group) * d;
                for (size_t e = 0; e < d; e++) {
                    out[e] = out[e] + scores[t] * value[e];
                }
            }
            for (size_t e = 0; e < d; e++) {
                out[e] = visible > 0 ? out[e] / sum : 0.0f;
            }
            store_row(dtype, o, (i * h + j) * d, d, out);
        }
    }
    free(keys);
    free(values);
    free(scores);
    free(query);
    free(out);
    return CB_STATUS_OK;
}
