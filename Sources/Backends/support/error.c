/*
 * Filling the harness's cb_error.
 *
 * The slot is caller-owned and its struct_size says how many bytes of it the
 * caller has: a harness built against an older or smaller cb_error must never
 * see a byte written past that. A message too long for the space left is cut
 * at a UTF-8 character boundary so the harness never receives half a
 * character.
 */
#include <stdio.h>
#include <string.h>

#include "cb_support.h"

/* Length of the longest prefix of text[0..length) that does not end inside
 * a UTF-8 multi-byte sequence. */
static size_t utf8_boundary(const char *text, size_t length) {
    size_t start = length;
    /* Step back over continuation bytes (10xxxxxx) to the lead byte. */
    while (start > 0 && ((unsigned char)text[start - 1] & 0xc0u) == 0x80u && length - start < 3) {
        start -= 1;
    }
    if (start == 0) {
        return length;
    }
    unsigned char lead = (unsigned char)text[start - 1];
    size_t needed;
    if (lead < 0x80u) {
        return length;
    } else if ((lead & 0xe0u) == 0xc0u) {
        needed = 2;
    } else if ((lead & 0xf0u) == 0xe0u) {
        needed = 3;
    } else if ((lead & 0xf8u) == 0xf0u) {
        needed = 4;
    } else {
        return length; /* not UTF-8 to begin with: plain byte truncation */
    }
    size_t have = length - (start - 1);
    return have >= needed ? length : start - 1;
}

void cbs_set_error_v(cb_error *error, int32_t code, const char *format, va_list arguments) {
    if (error == NULL) {
        return;
    }
    const size_t code_end = offsetof(cb_error, code) + sizeof error->code;
    const size_t message_start = offsetof(cb_error, message);
    if (error->struct_size >= code_end) {
        error->code = code;
    }
    if (error->struct_size <= message_start) {
        return;
    }
    size_t capacity = error->struct_size - message_start;
    if (capacity > CB_ERROR_MESSAGE_CAPACITY) {
        capacity = CB_ERROR_MESSAGE_CAPACITY;
    }

    char text[CB_ERROR_MESSAGE_CAPACITY];
    int written = format == NULL ? 0 : vsnprintf(text, sizeof text, format, arguments);
    /* capacity <= sizeof text, so text holds at least `limit` valid bytes
     * whenever the full message is longer than that. */
    size_t limit = capacity - 1;
    size_t length = written < 0 ? 0 : (size_t)written;
    if (length > limit) {
        length = utf8_boundary(text, limit);
    }
    memcpy(error->message, text, length);
    error->message[length] = '\0';
}

void cbs_set_error(cb_error *error, int32_t code, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    cbs_set_error_v(error, code, format, arguments);
    va_end(arguments);
}

cb_status cbs_fail(cb_error *error, cb_status status, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    cbs_set_error_v(error, 0, format, arguments);
    va_end(arguments);
    return status;
}
