/*
 * opencl_backend.c — a certify backend that runs the battery's kernels,
 * written in OpenCL C (opencl_kernels.cl), on an OpenCL device through the
 * real device API: the shape a domestic chip's backend has (Cambricon BANG,
 * Ascend ACL and Hygon HIP all map one to one onto these calls).
 *
 *   alloc/free        clCreateBuffer / clReleaseMemObject
 *   upload/download   clEnqueueWriteBuffer / clEnqueueReadBuffer (blocking)
 *   prepare           clBuildProgram for the op's dtype (cached per backend:
 *                     the first prepare of a dtype pays the compile, as
 *                     first-call latency should show) + clCreateKernel
 *   execute           clSetKernelArg + clEnqueueNDRangeKernel, asynchronous
 *   synchronize       clFinish
 *   last_execute_ns   CL_PROFILING_COMMAND_END − START of the last event
 *                     (the queue has CL_QUEUE_PROFILING_ENABLE)
 *
 * Tested on PoCL 3.1's pthread CPU device (Debian pocl-opencl-icd). The
 * device has no cl_khr_fp16, so fp16 is storage only (vload_half /
 * vstore_half_rte); bf16 is ushort storage with integer rounding. All
 * arithmetic is fp32 with -cl-fp32-correctly-rounded-divide-sqrt (the
 * battery's bounds take division and sqrt as correctly rounded; OpenCL's
 * default allows 2.5 and 3 ulp). Subnormals are preserved when the device
 * reports CL_FP_DENORM for single precision, and query() says flush
 * otherwise.
 *
 * Options: device (default 0), the index of the device among all OpenCL
 * devices of all platforms, in the order the ICD loader lists them.
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_support.h"

#define BACKEND_VERSION "1.0.0"

static const char KERNEL_SOURCE[] =
#include "opencl_kernels.cl.inc"
    ;

#define N_PROGRAMS 6 /* indexed by cb_dtype (1 … 5 used) */

struct cb_backend {
    cbs_device layer; /* first: the buffers and plans (support/device.c) */
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    cl_program programs[N_PROGRAMS];
    cb_denormals denormals;
    char name[CB_INFO_STRING_CAPACITY], vendor[CB_INFO_STRING_CAPACITY], version[CB_INFO_STRING_CAPACITY];
    char implementation[CB_INFO_STRING_CAPACITY];
    cl_ulong memory;
};

struct cb_buffer {
    cbs_buffer base; /* first: its size; no host memory */
    cl_mem mem;      /* NULL when size is 0: OpenCL has no empty buffers */
};

struct cb_plan {
    cbs_plan checked; /* first: the op and its geometry */
    cl_kernel kernel;
    cl_uint work_dims;
    size_t global[3];
    cl_event last; /* the most recent execute's event, NULL before the first */
};

/* An OpenCL failure as a cb_status with the call and the CL error code. */
static cb_status cl_fail(cb_error *error, const char *call, cl_int code) {
    cbs_set_error(error, code, "%s failed with OpenCL error %d", call, code);
    return code == CL_OUT_OF_HOST_MEMORY || code == CL_MEM_OBJECT_ALLOCATION_FAILURE ? CB_STATUS_OUT_OF_MEMORY
                                                                                        : CB_STATUS_DEVICE_ERROR;
}

/* What the device layer frees with a buffer or a plan. */
static void release_mem(cbs_buffer *base) {
    cb_buffer *buffer = (cb_buffer *)(void *)base;
    if (buffer->mem != NULL) {
        clReleaseMemObject(buffer->mem);
    }
}
static void release_kernel(cbs_plan *checked) {
    cb_plan *plan = (cb_plan *)(void *)checked;
    if (plan->last != NULL) {
        clReleaseEvent(plan->last);
    }
    if (plan->kernel != NULL) {
        clReleaseKernel(plan->kernel);
    }
}

static void ocl_destroy(cb_backend *backend) {
    if (backend == NULL) {
        return;
    }
    cbs_device_close(backend);
    for (int i = 0; i < N_PROGRAMS; i++) {
        if (backend->programs[i] != NULL) {
            clReleaseProgram(backend->programs[i]);
        }
    }
    if (backend->queue != NULL) {
        clReleaseCommandQueue(backend->queue);
    }
    if (backend->context != NULL) {
        clReleaseContext(backend->context);
    }
    free(backend);
}

/* The device with global index `wanted` across every platform. */
static cb_status find_device(int64_t wanted, cl_platform_id *platform, cl_device_id *device, cb_error *error) {
    cl_platform_id platforms[16];
    cl_uint n_platforms = 0;
    cl_int rc = clGetPlatformIDs(16, platforms, &n_platforms);
    if (rc == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (rc == CL_SUCCESS && n_platforms == 0)) {
        return cbs_fail(error, CB_STATUS_DEVICE_ERROR,
                        "no OpenCL platform found; install an ICD such as Debian's pocl-opencl-icd");
    }
    if (rc != CL_SUCCESS) {
        return cl_fail(error, "clGetPlatformIDs", rc);
    }
    int64_t seen = 0;
    for (cl_uint p = 0; p < n_platforms && p < 16; p++) {
        cl_device_id devices[16];
        cl_uint n_devices = 0;
        if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 16, devices, &n_devices) != CL_SUCCESS) {
            continue;
        }
        for (cl_uint d = 0; d < n_devices && d < 16; d++, seen++) {
            if (seen == wanted) {
                *platform = platforms[p];
                *device = devices[d];
                return CB_STATUS_OK;
            }
        }
    }
    return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "option 'device' is %lld, but there are %lld OpenCL devices",
                    (long long)wanted, (long long)seen);
}

static cb_status ocl_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
    int64_t index;
    cb_status status;
    cb_backend *backend =
        cbs_create_begin(out, options, n_options, "device", 0, 1023, 0, &index, sizeof(cb_backend), &status, error);
    if (backend == NULL) {
        return status;
    }
    backend->layer.free_buffer = release_mem;
    backend->layer.release_plan = release_kernel;
    status = find_device(index, &backend->platform, &backend->device, error);
    if (status != CB_STATUS_OK) {
        free(backend);
        return status;
    }
    cl_int rc;
    backend->context = clCreateContext(NULL, 1, &backend->device, NULL, NULL, &rc);
    if (rc != CL_SUCCESS) {
        ocl_destroy(backend);
        return cl_fail(error, "clCreateContext", rc);
    }
    backend->queue = clCreateCommandQueue(backend->context, backend->device, CL_QUEUE_PROFILING_ENABLE, &rc);
    if (rc != CL_SUCCESS) {
        ocl_destroy(backend);
        return cl_fail(error, "clCreateCommandQueue", rc);
    }
    cl_device_fp_config fp = 0;
    clGetDeviceInfo(backend->device, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL);
    backend->denormals = (fp & CL_FP_DENORM) ? CB_DENORMALS_PRESERVE : CB_DENORMALS_FLUSH;
    char text[CB_INFO_STRING_CAPACITY] = "";
    clGetDeviceInfo(backend->device, CL_DEVICE_NAME, sizeof text - 1, text, NULL);
    cbs_set_info(backend->name, text);
    memset(text, 0, sizeof text);
    clGetPlatformInfo(backend->platform, CL_PLATFORM_NAME, sizeof text - 1, text, NULL);
    cbs_set_info(backend->vendor, text);
    memset(text, 0, sizeof text);
    clGetDeviceInfo(backend->device, CL_DEVICE_VERSION, sizeof text - 1, text, NULL);
    cbs_set_info(backend->version, text);
    /* The driver compiles our kernels for this device: its version and the
     * device strings, where PoCL names the LLVM CPU target it compiles for
     * (pthread-skylake-avx512-…, HSTR: …-znver3), are the code path. */
    char driver[CB_INFO_STRING_CAPACITY] = "";
    clGetDeviceInfo(backend->device, CL_DRIVER_VERSION, sizeof driver - 1, driver, NULL);
    char implementation[3 * CB_INFO_STRING_CAPACITY + 16];
    snprintf(implementation, sizeof implementation, "%s, driver %s (%s)", backend->name, driver, backend->version);
    cbs_set_info(backend->implementation, implementation);
    clGetDeviceInfo(backend->device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof backend->memory, &backend->memory, NULL);
    *out = backend;
    return CB_STATUS_OK;
}

static cb_status ocl_device_info(cb_backend *backend, cb_device_info *out, cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "device_info needs a backend and an output struct");
    }
    cb_device_info info;
    memset(&info, 0, sizeof info);
    char name[2 * CB_INFO_STRING_CAPACITY];
    snprintf(name, sizeof name, "OpenCL %s", backend->name);
    cbs_set_info(info.name, name);
    cbs_set_info(info.vendor, backend->vendor);
    cbs_set_info(info.driver_version, backend->version);
    info.memory_bytes = backend->memory;
    cbs_set_info(info.implementation, backend->implementation);
    return cbs_put_device_info(out, &info, error);
}

static int float_dtype(uint32_t dtype) {
    return dtype == CB_DTYPE_F32 || dtype == CB_DTYPE_F16 || dtype == CB_DTYPE_BF16;
}

/* Every kernel of the header (ABI 1.2) is written in opencl_kernels.cl. */
static int implemented(uint32_t kernel, uint32_t dtype) {
    switch (kernel) {
    case CB_KERNEL_GEMM_I8: return dtype == CB_DTYPE_I8;
    case CB_KERNEL_GEMM_W8:
    case CB_KERNEL_GEMM_W4: return dtype == CB_DTYPE_F16 || dtype == CB_DTYPE_BF16;
    case CB_KERNEL_GEMM: case CB_KERNEL_GEMM_BATCHED: case CB_KERNEL_SOFTMAX: case CB_KERNEL_RMSNORM:
    case CB_KERNEL_SILU: case CB_KERNEL_LAYERNORM: case CB_KERNEL_GELU_ERF: case CB_KERNEL_GELU_TANH:
    case CB_KERNEL_SWIGLU: case CB_KERNEL_ROPE: case CB_KERNEL_ATTENTION: case CB_KERNEL_EMBEDDING:
    case CB_KERNEL_ARGMAX: case CB_KERNEL_TOPK: case CB_KERNEL_REDUCE_SUM: case CB_KERNEL_REDUCE_MAX:
    case CB_KERNEL_ADD: case CB_KERNEL_CONVERT: return float_dtype(dtype);
    case CB_KERNEL_ATTENTION_VARLEN: case CB_KERNEL_ATTENTION_PAGED: case CB_KERNEL_GEMM_W4G: case CB_KERNEL_GEMM_W8G:
    case CB_KERNEL_GEMM_I8_DEQUANT: return float_dtype(dtype);
    default: return 0;
    }
}

static cb_status ocl_query(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out,
                           cb_error *error) {
    /* Every intermediate is an fp32 private variable (intermediates = 0). */
    const cb_capability answer =
        cbs_supported(kernel, CB_DTYPE_F32, backend == NULL ? CB_DENORMALS_PRESERVE : backend->denormals,
                      CB_ROUNDING_NEAREST_EVEN);
    return cbs_query_answer(backend, out, implemented(kernel, dtype), &answer, error);
}

static cb_status ocl_alloc(cb_backend *backend, size_t bytes, cb_buffer **out, cb_error *error) {
    cb_status status = cbs_device_new_buffer(backend, bytes, sizeof(cb_buffer), 0, out, error);
    if (status != CB_STATUS_OK || bytes == 0) {
        return status;
    }
    cl_int rc;
    (*out)->mem = clCreateBuffer(backend->context, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    if (rc != CL_SUCCESS) {
        cbs_device_free(backend, *out);
        *out = NULL;
        return cl_fail(error, "clCreateBuffer", rc);
    }
    return CB_STATUS_OK;
}

static cb_status ocl_upload(cb_backend *backend, cb_buffer *dst, const void *src, size_t bytes, cb_error *error) {
    cb_status status = cbs_device_check_transfer(backend, dst, src, bytes, "upload", error);
    if (status != CB_STATUS_OK || bytes == 0) {
        return status;
    }
    cl_int rc = clEnqueueWriteBuffer(backend->queue, dst->mem, CL_TRUE, 0, bytes, src, 0, NULL, NULL);
    return rc == CL_SUCCESS ? CB_STATUS_OK : cl_fail(error, "clEnqueueWriteBuffer", rc);
}

/* The queue is in order, so a blocking read waits for every kernel before it. */
static cb_status ocl_download(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes, cb_error *error) {
    cb_status status = cbs_device_check_transfer(backend, src, dst, bytes, "download", error);
    if (status != CB_STATUS_OK || bytes == 0) {
        return status;
    }
    cl_int rc = clEnqueueReadBuffer(backend->queue, src->mem, CL_TRUE, 0, bytes, dst, 0, NULL, NULL);
    return rc == CL_SUCCESS ? CB_STATUS_OK : cl_fail(error, "clEnqueueReadBuffer", rc);
}

/* The program for `dtype`, built on first use and cached for the backend. */
static cb_status program_for(cb_backend *backend, uint32_t dtype, cl_program *out, cb_error *error) {
    if (backend->programs[dtype] != NULL) {
        *out = backend->programs[dtype];
        return CB_STATUS_OK;
    }
    const char *source = KERNEL_SOURCE;
    cl_int rc;
    cl_program program = clCreateProgramWithSource(backend->context, 1, &source, NULL, &rc);
    if (rc != CL_SUCCESS) {
        return cl_fail(error, "clCreateProgramWithSource", rc);
    }
    char options[128];
    snprintf(options, sizeof options, "-DDT=%u -cl-fp32-correctly-rounded-divide-sqrt", dtype);
    rc = clBuildProgram(program, 1, &backend->device, options, NULL, NULL);
    if (rc != CL_SUCCESS) {
        char log[CB_ERROR_MESSAGE_CAPACITY - 64] = "";
        clGetProgramBuildInfo(program, backend->device, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        clReleaseProgram(program);
        for (char *c = log; *c != '\0'; c++) {
            *c = *c == '\n' ? ' ' : *c; /* one line in the report */
        }
        cbs_set_error(error, rc, "clBuildProgram failed with OpenCL error %d: %s", rc, log);
        return CB_STATUS_DEVICE_ERROR;
    }
    backend->programs[dtype] = program;
    *out = program;
    return CB_STATUS_OK;
}

/* The kernel of a checked plan, and the range it is launched on. */
static cb_status build(cb_backend *backend, cb_plan *plan, cb_error *error) {
    const cb_op *op = &plan->checked.op;
    if (!implemented(op->kernel, op->dtype)) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s is not implemented for %s", cbs_kernel_name(op->kernel),
                        cbs_dtype_name(op->dtype));
    }
    const size_t *d = plan->checked.geometry.dims;
    const char *name = NULL;
    size_t *global = plan->global;
    global[0] = global[1] = global[2] = 1;
    cl_uint work_dims = 1;
    switch (op->kernel) {
    case CB_KERNEL_GEMM:
        name = (op->flags & CB_GEMM_OUTPUT_F32) ? "gemm_f32out" : "gemm";
        global[0] = d[1]; global[1] = d[0]; work_dims = 3;
        break;
    case CB_KERNEL_GEMM_BATCHED: name = "gemm"; global[0] = d[2]; global[1] = d[1]; global[2] = d[0]; work_dims = 3; break;
    case CB_KERNEL_GEMM_I8: name = "gemm_i8"; global[0] = d[1]; global[1] = d[0]; work_dims = 2; break;
    case CB_KERNEL_GEMM_W8: case CB_KERNEL_GEMM_W4: name = "gemm_wq"; global[0] = d[1]; global[1] = d[0]; work_dims = 2; break;
    case CB_KERNEL_SOFTMAX: name = "softmax"; global[0] = d[0]; break;
    case CB_KERNEL_RMSNORM: name = "rmsnorm"; global[0] = d[0]; break;
    case CB_KERNEL_LAYERNORM: name = "layernorm"; global[0] = d[0]; break;
    case CB_KERNEL_SILU: case CB_KERNEL_GELU_ERF: case CB_KERNEL_GELU_TANH: name = "unary"; global[0] = d[0]; break;
    case CB_KERNEL_SWIGLU: name = "swiglu"; global[0] = d[1]; global[1] = d[0]; work_dims = 2; break;
    case CB_KERNEL_ADD:
        name = (op->flags & CB_ADD_BROADCAST) ? "add_bias" : "add";
        global[0] = (op->flags & CB_ADD_BROADCAST) ? d[0] * d[1] : d[0];
        break;
    case CB_KERNEL_GEMM_W4G: case CB_KERNEL_GEMM_W8G: name = "gemm_wg"; global[0] = d[1]; global[1] = d[0]; work_dims = 2; break;
    case CB_KERNEL_GEMM_I8_DEQUANT: name = "gemm_i8_dequant"; global[0] = d[1]; global[1] = d[0]; work_dims = 2; break;
    case CB_KERNEL_ATTENTION_VARLEN: case CB_KERNEL_ATTENTION_PAGED: {
        const int varlen = op->kernel == CB_KERNEL_ATTENTION_VARLEN;
        const size_t head_dim = varlen ? d[5] : d[3];
        if (head_dim > 256) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s head dimension %zu exceeds this kernel's 256",
                            cbs_kernel_name(op->kernel), head_dim);
        }
        name = varlen ? "attention_varlen" : "attention_paged";
        global[0] = varlen ? d[3] : d[1]; /* heads */
        global[1] = varlen ? d[1] : d[0]; /* query rows: Σq, or one per sequence */
        work_dims = 2;
        break;
    }
    case CB_KERNEL_REDUCE_SUM: case CB_KERNEL_REDUCE_MAX: name = "reduce"; global[0] = d[0]; break;
    case CB_KERNEL_ARGMAX: name = "argmax"; global[0] = d[0]; break;
    case CB_KERNEL_TOPK: name = "topk"; global[0] = d[0]; break;
    case CB_KERNEL_ROPE: name = "rope"; global[0] = d[1]; global[1] = d[0]; work_dims = 2; break;
    case CB_KERNEL_ATTENTION:
        if (d[4] > 256) {
            return cbs_fail(error, CB_STATUS_UNSUPPORTED, "ATTENTION head dimension %zu exceeds this kernel's 256", d[4]);
        }
        name = "attention"; global[0] = d[2]; global[1] = d[0]; work_dims = 2;
        break;
    case CB_KERNEL_EMBEDDING: name = "embedding"; global[0] = d[2]; global[1] = d[0]; work_dims = 2; break;
    case CB_KERNEL_CONVERT: /* to F32, F16 or BF16: cbs_op_geometry takes no other */
        name = op->flags == CB_DTYPE_F32 ? "convert_f32" : op->flags == CB_DTYPE_F16 ? "convert_f16" : "convert_bf16";
        global[0] = d[0];
        break;
    default: return cbs_fail(error, CB_STATUS_UNSUPPORTED, "kernel %u is not implemented", op->kernel);
    }
    plan->work_dims = work_dims;
    cl_program program;
    cb_status status = program_for(backend, op->dtype, &program, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    cl_int rc;
    plan->kernel = clCreateKernel(program, name, &rc);
    if (rc != CL_SUCCESS) {
        plan->kernel = NULL;
        return cl_fail(error, "clCreateKernel", rc);
    }
    return CB_STATUS_OK;
}

static cb_status ocl_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error) {
    cb_status status = cbs_device_prepare(backend, op, sizeof(cb_plan), out, error);
    if (status == CB_STATUS_OK) {
        status = build(backend, *out, error);
        if (status != CB_STATUS_OK) {
            cbs_device_release(backend, *out); /* and its kernel, if it has one */
            *out = NULL;
        }
    }
    return status;
}

/* Sets the kernel's arguments: the buffers in order, then the scalars. */
typedef struct args {
    cl_kernel kernel;
    cl_uint next;
    cl_int rc;
} args;

static void arg(args *a, size_t size, const void *value) {
    if (a->rc == CL_SUCCESS) {
        a->rc = clSetKernelArg(a->kernel, a->next++, size, value);
    }
}
static void arg_mem(args *a, cb_buffer *buffer) { arg(a, sizeof(cl_mem), buffer ? &buffer->mem : NULL); }
static void arg_u64(args *a, size_t value) {
    cl_ulong v = value;
    arg(a, sizeof v, &v);
}
static void arg_i32(args *a, int value) {
    cl_int v = value;
    arg(a, sizeof v, &v);
}
static void arg_f32(args *a, double value) {
    cl_float v = (cl_float)value;
    arg(a, sizeof v, &v);
}

/* Reads `count` I32 values of a device buffer into *out (malloc'd; the caller frees). */
static cb_status read_i32(cb_backend *backend, cb_buffer *buffer, size_t count, int32_t **out, cb_error *error) {
    *out = malloc(count > 0 ? count * sizeof **out : 1);
    if (*out == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu lengths", count);
    }
    cl_int rc = count == 0 ? CL_SUCCESS
                           : clEnqueueReadBuffer(backend->queue, buffer->mem, CL_TRUE, 0, count * sizeof **out, *out, 0,
                                                 NULL, NULL);
    if (rc != CL_SUCCESS) {
        free(*out);
        *out = NULL;
        return cl_fail(error, "clEnqueueReadBuffer", rc);
    }
    return CB_STATUS_OK;
}

/* The lengths and block tables of ATTENTION_VARLEN and ATTENTION_PAGED are
 * data: read and checked before launching, as the header requires. */
static cb_status check_sequences(cb_backend *backend, const cb_op *op, const size_t *d, cb_buffer *const *inputs,
                                 cb_error *error) {
    const size_t b = d[0];
    int32_t *first = NULL, *second = NULL;
    cb_status status = CB_STATUS_OK;
    if (op->kernel == CB_KERNEL_ATTENTION_VARLEN) {
        if ((status = read_i32(backend, inputs[3], b, &first, error)) != CB_STATUS_OK ||
            (status = read_i32(backend, inputs[4], b, &second, error)) != CB_STATUS_OK) {
            free(first);
            return status;
        }
        status = cbs_check_varlen(d, first, second, NULL, error);
    } else {
        if ((status = read_i32(backend, inputs[3], b * d[6], &first, error)) != CB_STATUS_OK ||
            (status = read_i32(backend, inputs[4], b, &second, error)) != CB_STATUS_OK) {
            free(first);
            return status;
        }
        status = cbs_check_paged(d, first, second, NULL, error);
    }
    free(first);
    free(second);
    return status;
}

static cb_status ocl_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                             cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    cbs_operands host; /* NULLs: the memory is the device's */
    cb_status status = cbs_device_check_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, &host, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    const size_t *d = plan->checked.geometry.dims;
    const cb_op *op = &plan->checked.op;
    if (op->kernel == CB_KERNEL_EMBEDDING && d[0] > 0) {
        /* An id outside [0, v) is the caller's error: read the ids and check them before launching. */
        int32_t *ids = malloc(d[0] * sizeof *ids);
        if (ids == NULL) {
            return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu ids", d[0]);
        }
        cl_int rc = clEnqueueReadBuffer(backend->queue, inputs[1]->mem, CL_TRUE, 0, d[0] * sizeof *ids, ids, 0, NULL,
                                        NULL);
        if (rc != CL_SUCCESS) {
            free(ids);
            return cl_fail(error, "clEnqueueReadBuffer", rc);
        }
        for (size_t i = 0; i < d[0]; i++) {
            if (ids[i] < 0 || (size_t)ids[i] >= d[1]) {
                int32_t bad = ids[i];
                free(ids);
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "EMBEDDING id %d at %zu is outside [0, %zu)", bad,
                                i, d[1]);
            }
        }
        free(ids);
    }
    if (op->kernel == CB_KERNEL_ATTENTION_VARLEN || op->kernel == CB_KERNEL_ATTENTION_PAGED) {
        status = check_sequences(backend, op, d, inputs, error);
        if (status != CB_STATUS_OK) {
            return status;
        }
    }
    args a = {plan->kernel, 0, CL_SUCCESS};
    switch (op->kernel) {
    case CB_KERNEL_GEMM:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_u64(&a, d[2]);
        break;
    case CB_KERNEL_GEMM_BATCHED:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[1]); arg_u64(&a, d[2]); arg_u64(&a, d[3]);
        break;
    case CB_KERNEL_GEMM_I8:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_u64(&a, d[2]);
        break;
    case CB_KERNEL_GEMM_W8: case CB_KERNEL_GEMM_W4:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, inputs[2]); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_u64(&a, d[2]);
        arg_i32(&a, op->kernel == CB_KERNEL_GEMM_W8 ? 8 : 4);
        break;
    case CB_KERNEL_SOFTMAX:
        arg_mem(&a, inputs[0]); arg_mem(&a, n_inputs > 1 ? inputs[1] : NULL); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]);
        arg(&a, sizeof(cl_uint), &op->flags);
        break;
    case CB_KERNEL_RMSNORM:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_f32(&a, op->scalars[0]);
        break;
    case CB_KERNEL_LAYERNORM:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, inputs[2]); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_f32(&a, op->scalars[0]);
        break;
    case CB_KERNEL_SILU: case CB_KERNEL_GELU_ERF: case CB_KERNEL_GELU_TANH:
        arg_mem(&a, inputs[0]); arg_mem(&a, outputs[0]); arg_u64(&a, d[0]);
        arg_i32(&a, op->kernel == CB_KERNEL_SILU ? 0 : op->kernel == CB_KERNEL_GELU_ERF ? 1 : 2);
        break;
    case CB_KERNEL_SWIGLU:
        arg_mem(&a, inputs[0]); arg_mem(&a, outputs[0]); arg_u64(&a, d[0]); arg_u64(&a, d[1]);
        break;
    case CB_KERNEL_ADD:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, outputs[0]);
        arg_u64(&a, (op->flags & CB_ADD_BROADCAST) ? d[1] : d[0]);
        break;
    case CB_KERNEL_REDUCE_SUM: case CB_KERNEL_REDUCE_MAX:
        arg_mem(&a, inputs[0]); arg_mem(&a, outputs[0]); arg_u64(&a, d[0]); arg_u64(&a, d[1]);
        arg_i32(&a, op->kernel == CB_KERNEL_REDUCE_SUM ? 0 : 1);
        break;
    case CB_KERNEL_ARGMAX:
        arg_mem(&a, inputs[0]); arg_mem(&a, outputs[0]); arg_u64(&a, d[0]); arg_u64(&a, d[1]);
        break;
    case CB_KERNEL_TOPK:
        arg_mem(&a, inputs[0]); arg_mem(&a, outputs[0]); arg_mem(&a, outputs[1]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_u64(&a, d[2]);
        break;
    case CB_KERNEL_ROPE: {
        arg_mem(&a, inputs[0]); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_u64(&a, d[2]); arg_u64(&a, d[3]);
        arg_f32(&a, op->scalars[0]);
        cl_long offset = (cl_long)op->scalars[1];
        arg(&a, sizeof offset, &offset);
        break;
    }
    case CB_KERNEL_ATTENTION:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, inputs[2]); arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_u64(&a, d[2]); arg_u64(&a, d[3]); arg_u64(&a, d[4]);
        arg_f32(&a, op->scalars[0]);
        break;
    case CB_KERNEL_EMBEDDING:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, outputs[0]); arg_u64(&a, d[0]); arg_u64(&a, d[2]);
        arg_u64(&a, cbs_dtype_size(op->dtype));
        break;
    case CB_KERNEL_CONVERT:
        arg_mem(&a, inputs[0]); arg_mem(&a, outputs[0]);
        break;
    case CB_KERNEL_GEMM_W4G: case CB_KERNEL_GEMM_W8G:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, inputs[2]); arg_mem(&a, inputs[3]);
        arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_u64(&a, d[2]); arg_u64(&a, d[3]);
        arg_i32(&a, op->kernel == CB_KERNEL_GEMM_W8G ? 8 : 4);
        break;
    case CB_KERNEL_GEMM_I8_DEQUANT:
        arg_mem(&a, inputs[0]); arg_mem(&a, inputs[1]); arg_mem(&a, inputs[2]); arg_mem(&a, inputs[3]);
        arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[1]); arg_u64(&a, d[2]);
        break;
    case CB_KERNEL_ATTENTION_VARLEN:
        for (size_t i = 0; i < 5; i++) {
            arg_mem(&a, inputs[i]);
        }
        arg_mem(&a, outputs[0]);
        arg_u64(&a, d[0]); arg_u64(&a, d[3]); arg_u64(&a, d[4]); arg_u64(&a, d[5]);
        arg_f32(&a, op->scalars[0]);
        break;
    case CB_KERNEL_ATTENTION_PAGED:
        for (size_t i = 0; i < 5; i++) {
            arg_mem(&a, inputs[i]);
        }
        arg_mem(&a, outputs[0]);
        arg_u64(&a, d[1]); arg_u64(&a, d[2]); arg_u64(&a, d[3]); arg_u64(&a, d[4]); arg_u64(&a, d[6]);
        arg_f32(&a, op->scalars[0]);
        break;
    default: return cbs_fail(error, CB_STATUS_INTERNAL, "plan for kernel %u has no launcher", op->kernel);
    }
    if (a.rc != CL_SUCCESS) {
        return cl_fail(error, "clSetKernelArg", a.rc);
    }
    if (plan->last != NULL) {
        clReleaseEvent(plan->last);
        plan->last = NULL;
    }
    if (plan->global[0] == 0 || plan->global[1] == 0 || plan->global[2] == 0) {
        return CB_STATUS_OK; /* an empty output: nothing to launch */
    }
    cl_int rc = clEnqueueNDRangeKernel(backend->queue, plan->kernel, plan->work_dims, NULL, plan->global, NULL, 0,
                                       NULL, &plan->last);
    if (rc != CL_SUCCESS) {
        plan->last = NULL;
        return cl_fail(error, "clEnqueueNDRangeKernel", rc);
    }
    clFlush(backend->queue);
    return CB_STATUS_OK;
}

static cb_status ocl_synchronize(cb_backend *backend, cb_error *error) {
    if (backend == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "synchronize needs a backend");
    }
    cl_int rc = clFinish(backend->queue);
    return rc == CL_SUCCESS ? CB_STATUS_OK : cl_fail(error, "clFinish", rc);
}

static cb_status ocl_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error) {
    if (backend == NULL || plan == NULL || plan->checked.owner != &backend->layer || ns == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns needs a backend, one of its plans and an output");
    }
    if (plan->last == NULL) {
        *ns = 0; /* nothing was launched (empty output) */
        return CB_STATUS_OK;
    }
    cl_int rc = clWaitForEvents(1, &plan->last);
    cl_ulong start = 0, end = 0;
    if (rc == CL_SUCCESS) {
        rc = clGetEventProfilingInfo(plan->last, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL);
    }
    if (rc == CL_SUCCESS) {
        rc = clGetEventProfilingInfo(plan->last, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL);
    }
    if (rc != CL_SUCCESS) {
        return cl_fail(error, "clGetEventProfilingInfo", rc);
    }
    *ns = end >= start ? end - start : 0;
    return CB_STATUS_OK;
}

static const cb_api API = CBS_API("opencl", BACKEND_VERSION, ocl_create, ocl_destroy, ocl_device_info, ocl_query,
                                  ocl_alloc, cbs_device_free, ocl_upload, ocl_download, ocl_prepare,
                                  cbs_device_release, ocl_execute, ocl_synchronize, ocl_last_execute_ns);

CBS_BOOTSTRAP(API)
