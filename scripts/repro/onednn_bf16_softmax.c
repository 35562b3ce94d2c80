/* oneDNN 2.6.3 softmax (bf16 in, bf16 out, accurate) on a CPU with AVX-512 BF16: which
 * arithmetic produces its outputs? Each output is compared bit for bit with five models of the
 * same computation on the same bf16 inputs (e_i = expf(x_i − max), s = Σ e_i in fp32):
 *   exact    the fp64 softmax rounded once to bf16 (the correctly rounded answer)
 *   div      bf16(e_i / s)                      fp32 throughout, one rounding at the end
 *   mul      bf16(e_i · (1/s))                  a reciprocal, then one rounding
 *   store    bf16(bf16(e_i) · (1/s))            e_i stored in the bf16 destination first
 *   store-d  bf16(bf16(e_i) / s)                as store, with a division
 * and prints, per model, how many of the outputs it reproduces exactly, and the worst error of
 * oneDNN's output in units of the bf16 rounding of the exact result (0.5 = correctly rounded).
 * The implementation oneDNN chose is printed too: the ISA decides (AVX2 hosts have no bf16
 * softmax in oneDNN 2.x, and the program exits 3 there).
 *   cc -O2 scripts/repro/onednn_bf16_softmax.c -ldnnl -lm -o /tmp/repro && /tmp/repro */
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 32
#define COLS 256

static uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    u += 0x7fff + ((u >> 16) & 1); /* round to nearest even; the inputs here are finite */
    return (uint16_t)(u >> 16);
}

static float from_bf16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double bf16_ulp(double x) { /* the spacing of bf16 numbers at |x| (normal range) */
    int e;
    frexp(fabs(x), &e);
    return ldexp(1.0, e - 8);
}

int main(void) {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    dnnl_dims_t dims = {ROWS, COLS};
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, 2, dims, dnnl_bf16, dnnl_ab);
    dnnl_softmax_v2_desc_t desc;
    dnnl_softmax_v2_forward_desc_init(&desc, dnnl_forward_inference, dnnl_softmax_accurate, &md, &md, 1);
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL) != dnnl_success) {
        printf("oneDNN has no bf16 softmax on this CPU (effective ISA 0x%x)\n", (unsigned)dnnl_get_effective_cpu_isa());
        return 3;
    }
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    dnnl_primitive_t softmax;
    dnnl_primitive_create(&softmax, pd);

    static uint16_t x[ROWS * COLS], y[ROWS * COLS];
    srand(1);
    for (int i = 0; i < ROWS * COLS; i++) { /* attention-score-like logits in about [−8, 8] */
        double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = (rand() + 1.0) / (RAND_MAX + 2.0);
        x[i] = to_bf16((float)(2.5 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2)));
    }
    dnnl_memory_t mx, my;
    dnnl_memory_create(&mx, &md, engine, x);
    dnnl_memory_create(&my, &md, engine, y);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}};
    dnnl_primitive_execute(softmax, stream, 2, args);
    dnnl_stream_wait(stream);

    enum { EXACT, DIV, MUL, STORE, STORE_D, MODELS };
    const char *names[MODELS] = {"exact", "div", "mul", "store", "store-d"};
    int matches[MODELS] = {0};
    double worst = 0;
    for (int r = 0; r < ROWS; r++) {
        const uint16_t *xr = x + r * COLS, *yr = y + r * COLS;
        float m = -INFINITY;
        for (int c = 0; c < COLS; c++) m = fmaxf(m, from_bf16(xr[c]));
        float e[COLS], s = 0;
        double exact_sum = 0;
        for (int c = 0; c < COLS; c++) {
            e[c] = expf(from_bf16(xr[c]) - m);
            s += e[c];
            exact_sum += exp((double)from_bf16(xr[c]) - m);
        }
        float reciprocal = 1.0f / s;
        for (int c = 0; c < COLS; c++) {
            double exact = exp((double)from_bf16(xr[c]) - m) / exact_sum;
            uint16_t model[MODELS] = {
                to_bf16((float)exact), to_bf16(e[c] / s), to_bf16(e[c] * reciprocal),
                to_bf16(from_bf16(to_bf16(e[c])) * reciprocal), to_bf16(from_bf16(to_bf16(e[c])) / s),
            };
            for (int k = 0; k < MODELS; k++) matches[k] += model[k] == yr[c];
            double error = fabs(from_bf16(yr[c]) - exact) / bf16_ulp(exact);
            if (error > worst) worst = error;
        }
    }
    printf("implementation %s, effective ISA 0x%x, %d bf16 outputs\n", impl ? impl : "?",
           (unsigned)dnnl_get_effective_cpu_isa(), ROWS * COLS);
    for (int k = 0; k < MODELS; k++) printf("  %-8s reproduces %5d (%.1f%%)\n", names[k], matches[k], 100.0 * matches[k] / (ROWS * COLS));
    printf("  worst error of oneDNN's output: %.3f bf16 ulp of the exact result (0.5 = correctly rounded)\n", worst);
    return 0;
}
