/* oneDNN 2.6.3, s8 × s8 → s32 matmul on an AVX2 CPU without VNNI: the exact product of
 * A = [127 127] and B = [127 127]ᵀ is 32258, oneDNN returns 255.
 *   cc -O2 scripts/repro/onednn_int8_saturation.c -ldnnl -o /tmp/repro && /tmp/repro */
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    dnnl_dims_t da = {1, 2}, db = {2, 1}, dc = {1, 1};
    dnnl_memory_desc_t a, b, c;
    dnnl_memory_desc_init_by_tag(&a, 2, da, dnnl_s8, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&b, 2, db, dnnl_s8, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&c, 2, dc, dnnl_s32, dnnl_ab);
    dnnl_matmul_desc_t desc;
    dnnl_matmul_desc_init(&desc, &a, &b, NULL, &c);
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL) != dnnl_success) {
        puts("s8s8s32 matmul unimplemented");
        return 1;
    }
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    dnnl_primitive_t matmul;
    dnnl_primitive_create(&matmul, pd);
    int8_t A[2] = {127, 127}, B[2] = {127, 127};
    int32_t C[1] = {0};
    dnnl_memory_t ma, mb, mc;
    dnnl_memory_create(&ma, &a, engine, A);
    dnnl_memory_create(&mb, &b, engine, B);
    dnnl_memory_create(&mc, &c, engine, C);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
    dnnl_primitive_execute(matmul, stream, 3, args);
    dnnl_stream_wait(stream);
    printf("implementation %s: [127 127]·[127 127]ᵀ = %d (exact 32258)\n", impl ? impl : "?", C[0]);
    return C[0] == 32258 ? 0 : 2;
}
