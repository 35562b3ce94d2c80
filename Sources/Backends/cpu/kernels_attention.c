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

/* Working space of one attention call: fp32 K and V rows of one sequence,
 * its scores, one query row and one output row. */
typedef struct attention_space {
    float *keys, *values, *scores, *query, *out;
} attention_space;

static void free_space(attention_space *w) {
    free(w->keys);
    free(w->values);
    free(w->scores);
    free(w->query);
    free(w->out);
}

static cb_status alloc_space(attention_space *w, size_t kv, size_t g, size_t d, const char *kernel, cb_error *error) {
    const size_t kv_elements = kv * g * d;
    w->keys = calloc(kv_elements > 0 ? kv_elements : 1, sizeof(float));
    w->values = calloc(kv_elements > 0 ? kv_elements : 1, sizeof(float));
    w->scores = calloc(kv > 0 ? kv : 1, sizeof(float));
    w->query = calloc(d > 0 ? d : 1, sizeof(float));
    w->out = calloc(d > 0 ? d : 1, sizeof(float));
    if (w->keys == NULL || w->values == NULL || w->scores == NULL || w->query == NULL || w->out == NULL) {
        free_space(w);
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "%s cannot allocate its fp32 working space", kernel);
    }
    return CB_STATUS_OK;
}

/* One sequence: its q query rows from row q0 of Q (and of O) attend to the kv
 * keys and values already widened into w->keys and w->values ([kv×g×d]),
 * query i to keys 0 … i + (kv − q). Scores, the softmax (with the row maximum
 * subtracted) and the weighted sum of V are fp32. A query that sees no key
 * outputs zeros, as a fully masked softmax row does. */
static void attend(uint32_t dtype, size_t q, size_t kv, size_t h, size_t g, size_t d, float scale, const void *qt,
                   size_t q0, attention_space *w, void *o) {
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
            load_row(dtype, qt, ((q0 + i) * h + j) * d, d, w->query);
            float max = -INFINITY;
            for (size_t t = 0; t < visible; t++) {
                const float *key = w->keys + (t * g + group) * d;
                float dot = 0.0f;
                for (size_t e = 0; e < d; e++) {
                    dot = dot + w->query[e] * key[e];
                }
                w->scores[t] = defect(CBS_DEFECT_ATTENTION_SCALE_MISSING) ? dot : dot * scale; /* defect: unscaled */
                if (w->scores[t] > max) {
                    max = w->scores[t];
                }
            }
            float sum = 0.0f;
            for (size_t t = 0; t < visible; t++) {
                w->scores[t] = expf(w->scores[t] - max);
                sum = sum + w->scores[t];
            }
            for (size_t e = 0; e < d; e++) {
                w->out[e] = 0.0f;
            }
            for (size_t t = 0; t < visible; t++) {
                const float *value = w->values + (t * g + group) * d;
                for (size_t e = 0; e < d; e++) {
                    w->out[e] = w->out[e] + w->scores[t] * value[e];
                }
            }
            for (size_t e = 0; e < d; e++) {
                w->out[e] = visible > 0 ? w->out[e] / sum : 0.0f;
            }
            store_row(dtype, o, ((q0 + i) * h + j) * d, d, w->out);
        }
    }
}

/* O[i][j] = Σ_t softmax_t(scale · Q[i][j]·K[t][grp]) · V[t][grp] over the
 * keys t ≤ i + (kv − q), grp = j / (h / g) (attend). K and V are widened
 * to fp32 once, every element loaded exactly once. */
cb_status KERNEL(attention)(uint32_t dtype, size_t q, size_t kv, size_t h, size_t g, size_t d, float scale,
                      const void *qt, const void *kt, const void *vt, void *o, cb_error *error) {
    if (q == 0 || h == 0 || d == 0) {
        return CB_STATUS_OK;
    }
    attention_space w;
    cb_status status = alloc_space(&w, kv, g, d, "ATTENTION", error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    load_row(dtype, kt, 0, kv * g * d, w.keys);
    load_row(dtype, vt, 0, kv * g * d, w.values);
    attend(dtype, q, kv, h, g, d, scale, qt, 0, &w, o);
    free_space(&w);
    return CB_STATUS_OK;
}

/* Each sequence as ATTENTION computes one, on its own rows of Q, K, V and O.
 * The lengths are data: checked against the shape before anything is read. */
cb_status KERNEL(attention_varlen)(uint32_t dtype, size_t b, size_t tq, size_t tkv, size_t h, size_t g, size_t d,
                             float scale, const void *qt, const void *kt, const void *vt, const int32_t *ql,
                             const int32_t *kvl, void *o, cb_error *error) {
    const size_t dims[3] = {b, tq, tkv};
    size_t longest = 0;
    cb_status checked = cbs_check_varlen(dims, ql, kvl, &longest, error);
    if (checked != CB_STATUS_OK) {
        return checked;
    }
    if (tq == 0 || h == 0 || d == 0) {
        return CB_STATUS_OK;
    }
    attention_space w;
    cb_status status = alloc_space(&w, longest, g, d, "ATTENTION_VARLEN", error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    size_t q0 = 0, k0 = 0;
    for (size_t s = 0; s < b; s++) {
        const size_t q = (size_t)ql[s], kv = (size_t)kvl[s];
        /* defect varlen-kv-offsets-from-q: the keys of sequence s taken from its query offset */
        const size_t first_key = defect(CBS_DEFECT_VARLEN_KV_OFFSETS_FROM_Q) && q0 + kv <= tkv ? q0 : k0;
        load_row(dtype, kt, first_key * g * d, kv * g * d, w.keys);
        load_row(dtype, vt, first_key * g * d, kv * g * d, w.values);
        attend(dtype, q, kv, h, g, d, scale, qt, q0, &w, o);
        q0 += q;
        k0 += kv;
    }
    free_space(&w);
    return CB_STATUS_OK;
}

/* Each sequence's keys gathered from its blocks into one fp32 run, then one
 * query over all of them (attend with q = 1, kv = L_s). */
cb_status KERNEL(attention_paged)(uint32_t dtype, size_t b, size_t h, size_t g, size_t d, size_t bs, size_t nb,
                            size_t mb, float scale, const void *qt, const void *kc, const void *vc,
                            const int32_t *table, const int32_t *lengths, void *o, cb_error *error) {
    const size_t dims[7] = {b, h, g, d, bs, nb, mb};
    size_t longest = 0;
    cb_status checked = cbs_check_paged(dims, table, lengths, &longest, error);
    if (checked != CB_STATUS_OK) {
        return checked;
    }
    if (b == 0 || h == 0 || d == 0) {
        return CB_STATUS_OK;
    }
    /* defect paged-reads-whole-block: the last block's stale slots past L_s attended to as well */
    const int whole_blocks = defect(CBS_DEFECT_PAGED_READS_WHOLE_BLOCK);
    attention_space w;
    cb_status status = alloc_space(&w, longest + (whole_blocks ? bs : 0), g, d, "ATTENTION_PAGED", error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    const size_t row = g * d; /* one token slot */
    for (size_t s = 0; s < b; s++) {
        size_t kv = (size_t)lengths[s];
        if (whole_blocks && bs > 0) {
            kv = (kv + bs - 1) / bs * bs;
        }
        for (size_t p = 0; p < kv; p++) {
            const size_t slot = (size_t)table[s * mb + p / bs] * bs + p % bs;
            load_row(dtype, kc, slot * row, row, w.keys + p * row);
            load_row(dtype, vc, slot * row, row, w.values + p * row);
        }
        attend(dtype, 1, kv, h, g, d, scale, qt, s, &w, o);
    }
    free_space(&w);
    return CB_STATUS_OK;
}
