/*
 * Backend options: the chip profile's backend.options, handed to create() as
 * text key/value pairs. A backend rejects what it does not understand rather
 * than ignoring it, so a typo in a profile cannot silently change a run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_support.h"

cb_status cbs_options_check(const cb_option *options, size_t n_options, const char *const *known, size_t n_known,
                            cb_error *error) {
    if (n_options > 0 && options == NULL) {
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "options is NULL but n_options is %zu", n_options);
    }
    for (size_t i = 0; i < n_options; i++) {
        const char *key = options[i].key;
        if (key == NULL) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "option %zu has no key", i);
        }
        if (options[i].value == NULL) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "option '%s' has no value", key);
        }
        int is_known = 0;
        for (size_t k = 0; k < n_known; k++) {
            if (strcmp(key, known[k]) == 0) {
                is_known = 1;
                break;
            }
        }
        if (!is_known) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "unknown option '%s'", key);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(key, options[j].key) == 0) {
                return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "option '%s' is given twice", key);
            }
        }
    }
    return CB_STATUS_OK;
}

const char *cbs_option_value(const cb_option *options, size_t n_options, const char *key) {
    if (options == NULL || key == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n_options; i++) {
        if (options[i].key != NULL && strcmp(options[i].key, key) == 0) {
            return options[i].value;
        }
    }
    return NULL;
}

/* Strict decimal: an optional '-', then digits, nothing else (no spaces, no
 * '+', no hex), within int64_t. */
static int parse_int64(const char *text, int64_t *out) {
    const char *p = text;
    int negative = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    if (*p == '\0') {
        return 0;
    }
    /* Accumulate as a negative number: its range includes INT64_MIN. */
    int64_t value = 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return 0;
        }
        int digit = *p - '0';
        if (value < (INT64_MIN + digit) / 10) {
            return 0;
        }
        value = value * 10 - digit;
    }
    if (!negative) {
        if (value == INT64_MIN) {
            return 0;
        }
        value = -value;
    }
    *out = value;
    return 1;
}

cb_status cbs_option_int(const cb_option *options, size_t n_options, const char *key, int64_t min, int64_t max,
                         int64_t fallback, int64_t *out, cb_error *error) {
    const char *text = cbs_option_value(options, n_options, key);
    if (text == NULL) {
        *out = fallback;
        return CB_STATUS_OK;
    }
    int64_t value;
    if (!parse_int64(text, &value) || value < min || value > max) {
        if (max == INT64_MAX) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "option '%s' must be an integer >= %" PRId64 ", got '%s'",
                            key, min, text);
        }
        return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT,
                        "option '%s' must be an integer between %" PRId64 " and %" PRId64 ", got '%s'", key, min, max,
                        text);
    }
    *out = value;
    return CB_STATUS_OK;
}

cb_status cbs_option_choice(const cb_option *options, size_t n_options, const char *key, const char *const *choices,
                            size_t n_choices, size_t fallback, size_t *out, cb_error *error) {
    const char *text = cbs_option_value(options, n_options, key);
    if (text == NULL) {
        *out = fallback;
        return CB_STATUS_OK;
    }
    for (size_t i = 0; i < n_choices; i++) {
        if (strcmp(text, choices[i]) == 0) {
            *out = i;
            return CB_STATUS_OK;
        }
    }
    char expected[CB_ERROR_MESSAGE_CAPACITY];
    size_t used = 0;
    expected[0] = '\0';
    for (size_t i = 0; i < n_choices && used < sizeof expected; i++) {
        int n = snprintf(expected + used, sizeof expected - used, "%s%s", i == 0 ? "" : ", ", choices[i]);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
    return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "option '%s' has unknown value '%s'; expected one of %s", key,
                    text, expected);
}

void *cbs_create_begin(const void *out, const cb_option *options, size_t n_options, const char *key, int64_t min,
                       int64_t max, int64_t fallback, int64_t *value, size_t context_size, cb_status *status,
                       cb_error *error) {
    if (out == NULL) {
        *status = cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "create needs an output pointer");
        return NULL;
    }
    const char *const known[] = {key};
    *status = cbs_options_check(options, n_options, known, 1, error);
    if (*status == CB_STATUS_OK) {
        *status = cbs_option_int(options, n_options, key, min, max, fallback, value, error);
    }
    if (*status != CB_STATUS_OK) {
        return NULL;
    }
    void *context = calloc(1, context_size);
    if (context == NULL) {
        *status = cbs_fail(error, CB_STATUS_OUT_OF_MEMORY, "cannot allocate the backend context");
    }
    return context;
}

void *cbs_create_threaded(const void *out, const cb_option *options, size_t n_options, size_t context_size,
                          int *threads, cb_status *status, cb_error *error) {
    int64_t value = 1;
    void *context = cbs_create_begin(out, options, n_options, "threads", 1, 1024, 1, &value, context_size, status, error);
    *threads = (int)value;
    return context;
}
