/* real_common.c — see real_common.h. */
#define _POSIX_C_SOURCE 200809L

#include "real_common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

cb_status rc_check_counts(const cbs_geometry *g, size_t n_inputs, size_t n_outputs, cb_error *error) {
    if (n_inputs != g->n_inputs || n_outputs != g->n_outputs) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "execute takes %zu inputs and %zu outputs, got %zu and %zu",
                        g->n_inputs, g->n_outputs, n_inputs, n_outputs);
    }
    return CB_STATUS_OK;
}

void rc_set_info(char field[CB_INFO_STRING_CAPACITY], const char *text) {
    size_t length = strlen(text);
    if (length >= CB_INFO_STRING_CAPACITY) {
        length = CB_INFO_STRING_CAPACITY - 1;
    }
    memcpy(field, text, length);
    field[length] = '\0';
}

uint64_t rc_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

cb_status rc_host_alloc(rc_host_memory *memory, size_t bytes, rc_host_buffer **out, cb_error *error) {
    if (memory == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "alloc needs a backend and an output pointer");
    }
    rc_host_buffer *buffer = calloc(1, sizeof *buffer);
    if (buffer == NULL) {
        return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate a buffer descriptor");
    }
    if (bytes > 0) {
        size_t rounded = (bytes + 63) / 64 * 64;
        buffer->data = rounded >= bytes ? aligned_alloc(64, rounded) : NULL;
        if (buffer->data == NULL) {
            free(buffer);
            return cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate %zu bytes of device memory", bytes);
        }
    }
    buffer->owner = memory;
    buffer->size = bytes;
    CBS_LIST_PUSH(memory->buffers, buffer);
    *out = buffer;
    return CB_STATUS_OK;
}

void rc_host_free(rc_host_memory *memory, rc_host_buffer *buffer) {
    if (memory == NULL || buffer == NULL || buffer->owner != memory) {
        return;
    }
    CBS_LIST_REMOVE(memory->buffers, buffer);
    free(buffer->data);
    free(buffer);
}

void rc_host_free_all(rc_host_memory *memory) {
    while (memory != NULL && memory->buffers != NULL) {
        rc_host_free(memory, memory->buffers);
    }
}

static cb_status check_copy(rc_host_memory *memory, rc_host_buffer *buffer, const void *host, size_t bytes,
                            const char *what, cb_error *error) {
    if (memory == NULL || buffer == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s needs a backend and a buffer", what);
    }
    if (buffer->owner != memory) {
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

cb_status rc_host_upload(rc_host_memory *memory, rc_host_buffer *dst, const void *src, size_t bytes,
                         cb_error *error) {
    cb_status status = check_copy(memory, dst, src, bytes, "upload", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(dst->data, src, bytes);
    }
    return status;
}

cb_status rc_host_download(rc_host_memory *memory, rc_host_buffer *src, void *dst, size_t bytes, cb_error *error) {
    cb_status status = check_copy(memory, src, dst, bytes, "download", error);
    if (status == CB_STATUS_OK && bytes > 0) {
        memcpy(dst, src->data, bytes);
    }
    return status;
}

cb_status rc_host_check_args(rc_host_memory *memory, const cbs_geometry *g, rc_host_buffer *const *inputs,
                             size_t n_inputs, rc_host_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    cb_status status = rc_check_counts(g, n_inputs, n_outputs, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    for (size_t i = 0; i < n_inputs + n_outputs; i++) {
        rc_host_buffer *b = i < n_inputs ? (inputs ? inputs[i] : NULL) : (outputs ? outputs[i - n_inputs] : NULL);
        size_t need = i < n_inputs ? g->inputs[i].bytes : g->outputs[i - n_inputs].bytes;
        const char *role = i < n_inputs ? "input" : "output";
        size_t index = i < n_inputs ? i : i - n_inputs;
        if (b == NULL || b->owner != memory) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %zu is NULL or belongs to another backend", role,
                            index);
        }
        if (b->size < need) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "%s %zu holds %zu bytes; this op needs %zu", role,
                            index, b->size, need);
        }
    }
    return CB_STATUS_OK;
}
