/* oneDNN 2.6.3 reduction max (f32) drops a NaN that is followed by a larger number:
 * max([1, NaN, 3]) gives 3, while max([-inf, 2, NaN]) gives NaN. certify's ABI, like
 * numpy.max and torch.amax, propagates NaN.
 *   cc -O2 scripts/repro/onednn_max_nan.c -ldnnl -o /tmp/repro && /tmp/repro */
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>

int main(void) {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    dnnl_dims_t src_dims = {2, 3}, dst_dims = {2, 1};
    dnnl_memory_desc_t src, dst;
    dnnl_memory_desc_init_by_tag(&src, 2, src_dims, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&dst, 2, dst_dims, dnnl_f32, dnnl_ab);
    dnnl_reduction_desc_t desc;
    dnnl_reduction_desc_init(&desc, dnnl_reduction_max, &src, &dst, 0.0f, 0.0f);
    dnnl_primitive_desc_t pd;
    dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL);
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    dnnl_primitive_t reduction;
    dnnl_primitive_create(&reduction, pd);
    float x[6] = {1.0f, NAN, 3.0f, -INFINITY, 2.0f, NAN}, y[2] = {0, 0};
    dnnl_memory_t mx, my;
    dnnl_memory_create(&mx, &src, engine, x);
    dnnl_memory_create(&my, &dst, engine, y);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}};
    dnnl_primitive_execute(reduction, stream, 2, args);
    dnnl_stream_wait(stream);
    printf("implementation %s: max([1, nan, 3]) = %g, max([-inf, 2, nan]) = %g (expected nan, nan)\n",
           impl ? impl : "?", y[0], y[1]);
    return isnan(y[0]) && isnan(y[1]) ? 0 : 2;
}
