/*
 * device.c — the bookkeeping of the ABI's device model, the same for every
 * backend: buffers and plans on lists that destroy() empties, the checks
 * upload, download, prepare and execute make on what the harness hands them,
 * and host memory standing in for device memory.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, sysconf */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_support.h"

/* Buffers and plans are kept on intrusive doubly linked lists, so destroy()
 * can release whatever the harness did not: `node` has `prev` and `next`,
 * `head` is the list's first node or NULL. */
#define LIST_PUSH(head, node)                                                                                          \
    do {                                                                                                               \
        (node)->prev = NULL;                                                                                           \
        (node)->next = (head);                                                                                         \
        if ((head) != NULL) (head)->prev = (node);                                                                     \
        (head) = (node);                                                                                               \
    } while (0)
#define LIST_REMOVE(head, node)                                                                                        \
    do {                                                                                                               \
        if ((node)->prev != NULL) (node)->prev->next = (node)->next;                                                   \
        else (head) = (node)->next;                                                                                    \
        if ((node)->next != NULL) (node)->next->prev = (node)->prev;                                                   \
    } while (0)

/* The handles are the backend's own structs, which start with the layer's. */
static cbs_device *device_of(cb_backend *backend) { return (cbs_device *)(void *)backend; }
static cbs_buffer *buffer_of(cb_buffer *buffer) { return (cbs_buffer *)(void *)buffer; }
static cbs_plan *plan_of(cb_plan *plan) { return (cbs_plan *)(void *)plan; }

uint64_t cbs_now_ns(void) {
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        return 0;
    }
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* ---- Buffers ----------------------------------------------------------- */

cb_status cbs_device_new_buffer(cb_backend *backend, size_t bytes, size_t descriptor_size, int host_memory,
                                cb_buffer **out, cb_error *error) {
    cbs_device *device = device_of(backend);
    if (device == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "alloc needs a backend and an output pointer");
    }
    cbs_buffer *buffer = calloc(1, descriptor_size);
    if (buffer == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a buffer descriptor");
    }
    if (host_memory && bytes > 0) {
        /* 64-byte aligned for the libraries' vector loads, and zeroed, so
         * that what a kernel leaves unwritten reads the same on every run. */
        size_t padded = bytes + device->padding;
        size_t rounded = (padded + 63) / 64 * 64;
        buffer->data = padded >= bytes && rounded >= padded ? aligned_alloc(64, rounded) : NULL;
        if (buffer->data == NULL) {
            free(buffer);
            return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu bytes of device memory", bytes);
        }
        memset(buffer->data, 0, rounded);
    }
    buffer->owner = device;
    buffer->size = bytes;
    LIST_PUSH(device->buffers, buffer);
    *out = (cb_buffer *)(void *)buffer;
    return CB_STATUS_OK;
}

void cbs_device_free(cb_backend *backend, cb_buffer *handle) {
    cbs_device *device = device_of(backend);
    cbs_buffer *buffer = buffer_of(handle);
    if (device == NULL || buffer == NULL || buffer->owner != device) {
        return;
    }
    LIST_REMOVE(device->buffers, buffer);
    if (device->free_buffer != NULL) {
        device->free_buffer(buffer);
    }
    free(buffer->data);
    free(buffer);
}

cb_status cbs_device_check_transfer(cb_backend *backend, cb_buffer *handle, const void *host, size_t bytes,
                                    const char *what, cb_error *error) {
    cbs_device *device = device_of(backend);
    cbs_buffer *buffer = buffer_of(handle);
    if (device == NULL || buffer == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s needs a backend and a buffer", what);
    }
    if (buffer->owner != device) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s: the buffer belongs to another backend", what);
    }
    if (bytes > buffer->size) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s of %zu bytes exceeds the buffer size of %zu bytes",
                        what, bytes, buffer->size);
    }
    if (bytes > 0 && host == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s of %zu bytes with a NULL host pointer", what, bytes);
    }
    return CB_STATUS_OK;
}

/* ---- Plans ------------------------------------------------------------- */

cb_status cbs_refuse_abi_1_2(const cb_op *op, const char *library, cb_error *error) {
    if (op == NULL || op->struct_size < sizeof(cb_op)) {
        return CB_STATUS_OK; /* cbs_op_geometry says what is wrong with it */
    }
    if (op->kernel >= CB_KERNEL_ATTENTION_VARLEN && op->kernel <= CB_KERNEL_GEMM_I8_DEQUANT) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s has no %s (ABI 1.2)", library, cbs_kernel_name(op->kernel));
    }
    if ((op->kernel == CB_KERNEL_ADD && (op->flags & CB_ADD_BROADCAST) != 0) ||
        (op->kernel == CB_KERNEL_GEMM && (op->flags & CB_GEMM_OUTPUT_F32) != 0)) {
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s does not implement %s with flags 0x%x (ABI 1.2)", library,
                        cbs_kernel_name(op->kernel), op->flags);
    }
    return CB_STATUS_OK;
}

cb_status cbs_device_prepare(cb_backend *backend, const cb_op *op, size_t descriptor_size, cb_plan **out,
                             cb_error *error) {
    cbs_device *device = device_of(backend);
    if (device == NULL || op == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "prepare needs a backend, an op and an output pointer");
    }
    cbs_geometry geometry;
    cb_status status = cbs_op_geometry(op, &geometry, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    cbs_plan *plan = calloc(1, descriptor_size);
    if (plan == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a plan");
    }
    memcpy(&plan->op, op, sizeof(cb_op)); /* the ABI 1.0 part; newer fields are not ours to read */
    plan->op.struct_size = sizeof(cb_op);
    plan->geometry = geometry;
    plan->owner = device;
    LIST_PUSH(device->plans, plan);
    *out = (cb_plan *)(void *)plan;
    return CB_STATUS_OK;
}

void cbs_device_release(cb_backend *backend, cb_plan *handle) {
    cbs_device *device = device_of(backend);
    cbs_plan *plan = plan_of(handle);
    if (device == NULL || plan == NULL || plan->owner != device) {
        return;
    }
    LIST_REMOVE(device->plans, plan);
    if (device->release_plan != NULL) {
        device->release_plan(plan);
    }
    free(plan);
}

void cbs_device_close(cb_backend *backend) {
    cbs_device *device = device_of(backend);
    while (device != NULL && device->plans != NULL) {
        cbs_device_release(backend, (cb_plan *)(void *)device->plans);
    }
    while (device != NULL && device->buffers != NULL) {
        cbs_device_free(backend, (cb_buffer *)(void *)device->buffers);
    }
}

void cbs_device_destroy(cb_backend *backend) {
    cbs_device_close(backend);
    free(backend);
}

/* ---- Execution --------------------------------------------------------- */

/* One buffer handed to execute: there, ours, and big enough for its tensor. */
static cb_status check_operand(const cbs_device *device, const cbs_buffer *buffer, size_t needed, const char *kernel,
                               const char *role, size_t position, cb_error *error) {
    if (buffer == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu is NULL", kernel, role, position);
    }
    if (buffer->owner != device) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu is a buffer of another backend", kernel, role,
                        position);
    }
    if (buffer->size < needed) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %s %zu holds %zu bytes; the shape needs %zu", kernel,
                        role, position, buffer->size, needed);
    }
    return CB_STATUS_OK;
}

cb_status cbs_device_check_execute(cb_backend *backend, cb_plan *handle, cb_buffer *const *inputs, size_t n_inputs,
                                   cb_buffer *const *outputs, size_t n_outputs, cbs_operands *operands,
                                   cb_error *error) {
    cbs_device *device = device_of(backend);
    cbs_plan *plan = plan_of(handle);
    if (device == NULL || plan == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "execute needs a backend and a plan");
    }
    if (plan->owner != device) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "execute: the plan belongs to another backend");
    }
    const cbs_geometry *geometry = &plan->geometry;
    const char *kernel = cbs_kernel_name(plan->op.kernel);
    if (n_inputs != geometry->n_inputs || n_outputs != geometry->n_outputs) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s takes %zu inputs and %zu outputs, got %zu and %zu",
                        kernel, geometry->n_inputs, geometry->n_outputs, n_inputs, n_outputs);
    }
    if (inputs == NULL || outputs == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s: the inputs or outputs array is NULL", kernel);
    }
    memset(operands, 0, sizeof *operands);
    for (size_t i = 0; i < n_inputs; i++) {
        const cbs_buffer *buffer = buffer_of(inputs[i]);
        cb_status status = check_operand(device, buffer, geometry->inputs[i].bytes, kernel, "input", i, error);
        if (status != CB_STATUS_OK) {
            return status;
        }
        operands->in[i] = buffer->data;
    }
    /* An output must not also be an input: GEMM could not compute in place,
     * and one rule for every kernel is easier on the harness. */
    for (size_t o = 0; o < n_outputs; o++) {
        const cbs_buffer *buffer = buffer_of(outputs[o]);
        cb_status status = check_operand(device, buffer, geometry->outputs[o].bytes, kernel, "output", o, error);
        if (status != CB_STATUS_OK) {
            return status;
        }
        for (size_t i = 0; i < n_inputs; i++) {
            if (inputs[i] == outputs[o]) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                                "%s output %zu is also input %zu; outputs must not alias inputs", kernel, o, i);
            }
        }
        for (size_t p = 0; p < o; p++) {
            if (outputs[p] == outputs[o]) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s outputs %zu and %zu are the same buffer",
                                kernel, p, o);
            }
        }
        operands->out[o] = buffer->data;
    }
    return CB_STATUS_OK;
}

cb_status cbs_device_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                             cb_buffer *const *outputs, size_t n_outputs, cbs_run_fn run, cb_error *error) {
    cbs_operands operands;
    cb_status status = cbs_device_check_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, &operands, error);
    return status == CB_STATUS_OK ? run(backend, plan, &operands, error) : status;
}

void cbs_plan_ran(cb_plan *handle, uint64_t start_ns) {
    cbs_plan *plan = plan_of(handle);
    plan->last_execute_ns = cbs_now_ns() - start_ns;
    plan->has_run = 1;
}

cb_status cbs_device_last_execute_ns(cb_backend *backend, cb_plan *handle, uint64_t *ns, cb_error *error) {
    cbs_device *device = device_of(backend);
    cbs_plan *plan = plan_of(handle);
    if (device == NULL || plan == NULL || ns == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns needs a backend, a plan and an output");
    }
    if (plan->owner != device) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns: the plan belongs to another backend");
    }
    if (!plan->has_run) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "last_execute_ns: the plan has not completed an execute");
    }
    *ns = plan->last_execute_ns;
    return CB_STATUS_OK;
}

/* ---- Host memory as the device ----------------------------------------- */

cb_status cbs_host_alloc(cb_backend *backend, size_t bytes, cb_buffer **out, cb_error *error) {
    return cbs_device_new_buffer(backend, bytes, sizeof(cbs_buffer), 1, out, error);
}

cb_status cbs_host_upload(cb_backend *backend, cb_buffer *dst, const void *src, size_t bytes, cb_error *error) {
    cb_status status = cbs_device_check_transfer(backend, dst, src, bytes, "upload", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(buffer_of(dst)->data, src, bytes);
    }
    return status;
}

cb_status cbs_host_download(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes, cb_error *error) {
    cb_status status = cbs_device_check_transfer(backend, src, dst, bytes, "download", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(dst, buffer_of(src)->data, bytes);
    }
    return status;
}

cb_status cbs_host_synchronize(cb_backend *backend, cb_error *error) {
    if (backend == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "synchronize needs a backend");
    }
    return CB_STATUS_OK; /* execute is synchronous */
}

cb_status cbs_host_device_info(cb_backend *backend, cb_device_info *out, const char *name, const char *vendor,
                               const char *driver_version, cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "device_info needs a backend and an output struct");
    }
    cb_device_info info;
    memset(&info, 0, sizeof info);
    cbs_set_info(info.name, name);
    cbs_set_info(info.vendor, vendor);
    cbs_set_info(info.driver_version, driver_version);
    /* The device's memory is the host's RAM; 0 means unknown. */
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    info.memory_bytes = pages > 0 && page_size > 0 ? (uint64_t)pages * (uint64_t)page_size : 0;
    /* The cpu backend's kernel files, compiled without run-time dispatch. */
    cbs_set_info(info.implementation, "portable C");
    return cbs_put_device_info(out, &info, error);
}
