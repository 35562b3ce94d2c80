/*
 * real_common.h — what the backends over real libraries (openblas, onednn,
 * opencl) share: host-memory "device" buffers for the CPU libraries, and
 * small helpers. Ops are checked by the support library's kernel table
 * (cbs_op_geometry).
 *
 * Built into each plugin by scripts/build-real-backends (not by SwiftPM: the
 * libraries are optional system packages). Everything is hidden; a plugin
 * still exports only certify_backend_bootstrap.
 */
#ifndef REAL_COMMON_H
#define REAL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "cb_support.h"
#include "certify_backend.h"

#define RC_HIDDEN __attribute__((visibility("hidden")))

/* Checks the buffer counts execute() received against the geometry; sizes
 * are checked by the caller, which knows its buffer type. */
RC_HIDDEN cb_status rc_check_counts(const cbs_geometry *geometry, size_t n_inputs, size_t n_outputs,
                                    cb_error *error);

/* Copies text into a cb_device_info string field, truncating to fit. */
RC_HIDDEN void rc_set_info(char field[CB_INFO_STRING_CAPACITY], const char *text);

/* Host monotonic clock, nanoseconds. */
RC_HIDDEN uint64_t rc_now_ns(void);

/* ---- Host memory as the device, for the CPU libraries ------------------- */

/* A list of the buffers allocated on one backend, so destroy() frees them. */
typedef struct rc_host_memory {
    struct rc_host_buffer *buffers;
} rc_host_memory;

/* Device memory: `size` bytes at `data` (NULL when size is 0), 64-byte aligned. */
typedef struct rc_host_buffer {
    rc_host_memory *owner;
    struct rc_host_buffer *prev, *next;
    size_t size;
    unsigned char *data;
} rc_host_buffer;

RC_HIDDEN cb_status rc_host_alloc(rc_host_memory *memory, size_t bytes, rc_host_buffer **out, cb_error *error);
/* Ignores NULL and buffers of another memory. */
RC_HIDDEN void rc_host_free(rc_host_memory *memory, rc_host_buffer *buffer);
RC_HIDDEN void rc_host_free_all(rc_host_memory *memory);
RC_HIDDEN cb_status rc_host_upload(rc_host_memory *memory, rc_host_buffer *dst, const void *src, size_t bytes,
                                   cb_error *error);
RC_HIDDEN cb_status rc_host_download(rc_host_memory *memory, rc_host_buffer *src, void *dst, size_t bytes,
                                     cb_error *error);
/* Checks that every buffer belongs to memory and holds the geometry's bytes. */
RC_HIDDEN cb_status rc_host_check_args(rc_host_memory *memory, const cbs_geometry *geometry,
                                       rc_host_buffer *const *inputs, size_t n_inputs,
                                       rc_host_buffer *const *outputs, size_t n_outputs, cb_error *error);

#endif /* REAL_COMMON_H */
