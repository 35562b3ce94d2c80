/*
 * Delivering a query() or device_info() answer into the harness's struct.
 *
 * The struct is caller-owned and the caller's struct_size says how many bytes
 * of it the caller has: a harness built against an older header must never
 * see a byte written past that, and a newer one must learn from the returned
 * struct_size which fields this plugin filled (certify_backend.h, Versioning).
 */
#include <string.h>

#include "cb_support.h"

/* Copies min(caller's struct_size, answer_size) bytes of the complete answer
 * into out and sets out->struct_size to that number. */
static cb_status put(void *out, const void *answer, size_t answer_size, size_t size_1_0, const char *type,
                     cb_error *error) {
    if (out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "the %s to fill is NULL", type);
    }
    size_t asked;
    memcpy(&asked, out, sizeof asked);
    if (asked < size_1_0) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                        "%s struct_size %zu is smaller than the ABI 1.0 %s (%zu bytes)", type, asked, type, size_1_0);
    }
    size_t filled = asked < answer_size ? asked : answer_size;
    memcpy(out, answer, filled);
    memcpy(out, &filled, sizeof filled);
    return CB_STATUS_OK;
}

cb_status cbs_put_capability(cb_capability *out, const cb_capability *answer, cb_error *error) {
    return put(out, answer, sizeof *answer, CB_CAPABILITY_SIZE_1_0, "cb_capability", error);
}

cb_status cbs_query_check(const cb_backend *backend, const cb_capability *out, cb_error *error) {
    if (backend == NULL || out == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "query needs a backend and an output struct");
    }
    return CB_STATUS_OK;
}

cb_status cbs_query_answer(const cb_backend *backend, cb_capability *out, int supported, const cb_capability *answer,
                           cb_error *error) {
    cb_status status = cbs_query_check(backend, out, error);
    if (status != CB_STATUS_OK) {
        return status;
    }
    cb_capability none;
    memset(&none, 0, sizeof none);
    return cbs_put_capability(out, supported ? answer : &none, error);
}

cb_capability cbs_supported(uint32_t kernel, uint32_t accumulation, uint32_t denormals, uint32_t rounding) {
    cb_capability answer;
    memset(&answer, 0, sizeof answer);
    answer.supported = 1;
    answer.accumulation = kernel == CB_KERNEL_GEMM_I8 ? CB_DTYPE_I32 : accumulation;
    answer.denormals = denormals;
    answer.rounding = rounding;
    answer.intermediates = 0;
    return answer;
}

cb_status cbs_put_device_info(cb_device_info *out, const cb_device_info *answer, cb_error *error) {
    return put(out, answer, sizeof *answer, CB_DEVICE_INFO_SIZE_1_0, "cb_device_info", error);
}

void cbs_set_info(char field[CB_INFO_STRING_CAPACITY], const char *text) {
    size_t length = text == NULL ? 0 : strlen(text);
    if (length >= CB_INFO_STRING_CAPACITY) {
        length = CB_INFO_STRING_CAPACITY - 1;
    }
    if (length > 0) {
        memcpy(field, text, length);
    }
    field[length] = '\0';
}
