/* oneDNN 2.6.3 softmax (f32, accurate) returns 0 where the exact result is subnormal:
 * softmax([0, -100]) = [1, 3.72e-44]; oneDNN gives [1, 0]. Its JIT exp zeroes every
 * argument below ln(FLT_MIN) ≈ −87.3.
 *   cc -O2 scripts/repro/onednn_exp_flush.c -ldnnl -lm -o /tmp/repro && /tmp/repro */
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>

int main(void) {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    dnnl_dims_t dims = {1, 2};
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, 2, dims, dnnl_f32, dnnl_ab);
    dnnl_softmax_v2_desc_t desc;
    dnnl_softmax_v2_forward_desc_init(&desc, dnnl_forward_inference, dnnl_softmax_accurate, &md, &md, 1);
    dnnl_primitive_desc_t pd;
    dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL);
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    dnnl_primitive_t softmax;
    dnnl_primitive_create(&softmax, pd);
    float x[2] = {0.0f, -100.0f}, y[2] = {-1.0f, -1.0f};
    dnnl_memory_t mx, my;
    dnnl_memory_create(&mx, &md, engine, x);
    dnnl_memory_create(&my, &md, engine, y);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}};
    dnnl_primitive_execute(softmax, stream, 2, args);
    dnnl_stream_wait(stream);
    printf("implementation %s: softmax([0, -100]) = [%g, %g] (exact [1, %g], expf(-100) = %g)\n",
           impl ? impl : "?", y[0], y[1], exp(-100.0), expf(-100.0f));
    return y[1] > 0 ? 0 : 2;
}
