/*
 * faulty_backend.c — a fault-injection backend for testing certify's worker
 * isolation. It computes correctly (the host emulator with the cpu backend's
 * numerics) except where a backend option plants a fault on one kernel:
 *
 *   fault.<kernel>: <fault>     e.g. fault.gemm: segfault
 *
 * <kernel> is a kernel name as certify spells it (gemm, softmax, rmsnorm,
 * silu, …). The faults, each fired on every case of that kernel:
 *
 *   segfault        execute writes through a NULL pointer (SIGSEGV)
 *   abort           execute calls abort() (SIGABRT)
 *   hang            execute sleeps forever
 *   prepare-loop    prepare spins in an endless loop
 *   oob-write       download writes 16 bytes past the end of the host buffer
 *   oob-far         download writes on for two pages past the end of the host buffer
 *   nan             the output is all NaN as downloaded
 *   wrong           the output's last element is off by a large factor as downloaded
 *   huge-alloc      prepare allocates and touches 4 TiB
 *   exit            execute calls exit(0)
 *   garbage-error   execute fails with a message of invalid UTF-8 and no NUL
 *   long-error      execute writes a 1 MiB message without NUL into cb_error
 *   chatter         execute prints to stdout and stderr, then computes
 *   lie-capability  query says supported, prepare answers UNSUPPORTED
 *   untouched       execute returns OK without writing its output
 *   device-time     the device timer reports an hour per execute
 *   changes-input   execute computes, then flips a bit of its input 0 in device memory
 *
 * It breaks the ABI's rules on purpose: never ship anything like it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_support.h"

#define MAX_KERNELS 64

typedef enum fault {
    FAULT_NONE = 0,
    FAULT_SEGFAULT,
    FAULT_ABORT,
    FAULT_HANG,
    FAULT_PREPARE_LOOP,
    FAULT_OOB_WRITE,
    FAULT_NAN,
    FAULT_WRONG,
    FAULT_HUGE_ALLOC,
    FAULT_EXIT,
    FAULT_GARBAGE_ERROR,
    FAULT_LONG_ERROR,
    FAULT_CHATTER,
    FAULT_LIE_CAPABILITY,
    FAULT_UNTOUCHED,
    FAULT_DEVICE_TIME,
    FAULT_OOB_FAR,
    FAULT_CHANGES_INPUT,
    FAULT_COUNT,
} fault;

/* Indexed by fault. */
static const char *const fault_names[FAULT_COUNT] = {
    "none",   "segfault",      "abort",      "hang",    "prepare-loop",   "oob-write", "nan",        "wrong",
    "huge-alloc", "exit",      "garbage-error", "long-error", "chatter", "lie-capability", "untouched", "device-time",
    "oob-far", "changes-input",
};

/* Faults by cb_kernel value; the process has one backend at a time. */
static fault faults[MAX_KERNELS];
/* The kernel of the plan prepared last: the harness runs one case at a time. */
static uint32_t current_kernel;
/* The output buffers of the last execute and their tensors' bytes: nan and
 * wrong corrupt an output tensor as it is downloaded, never the slack the
 * harness allocates past it, nor an input it downloads to check. */
static cb_buffer *last_outputs[CBS_MAX_OUTPUTS];
static size_t last_output_bytes[CBS_MAX_OUTPUTS];
static size_t n_last_outputs;

/* The bytes of the output tensor `buffer` holds; 0 for a buffer that is not an output. */
static size_t output_tensor_bytes(const cb_buffer *buffer) {
    for (size_t o = 0; o < n_last_outputs; o++) {
        if (last_outputs[o] == buffer) return last_output_bytes[o];
    }
    return 0;
}

static fault fault_for(uint32_t kernel) { return kernel < MAX_KERNELS ? faults[kernel] : FAULT_NONE; }

/* 1 when `name` (certify's spelling, e.g. "gemm" or "gemm-batched") names `kernel`. */
static int names_kernel(const char *name, uint32_t kernel) {
    const char *abi = cbs_kernel_name(kernel);
    size_t i = 0;
    for (; name[i] && abi[i]; i++) {
        char a = (char)tolower((unsigned char)abi[i]);
        char b = name[i] == '-' ? '_' : name[i];
        if (a != b) return 0;
    }
    return name[i] == 0 && abi[i] == 0;
}

static cb_status faulty_create(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error) {
    memset(faults, 0, sizeof faults);
    int64_t device_id = 0;
    for (size_t i = 0; i < n_options; i++) {
        const char *key = options[i].key;
        if (strcmp(key, "device_id") == 0) {
            device_id = strtoll(options[i].value, NULL, 10);
            continue;
        }
        if (strncmp(key, "fault.", 6) != 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "unknown option '%s'", key);
        }
        uint32_t kernel = 0;
        for (uint32_t k = 1; k < MAX_KERNELS; k++) {
            if (strcmp(cbs_kernel_name(k), "unknown") != 0 && names_kernel(key + 6, k)) {
                kernel = k;
                break;
            }
        }
        if (kernel == 0) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "option '%s' names no kernel", key);
        }
        size_t chosen = FAULT_COUNT;
        for (size_t f = 0; f < FAULT_COUNT; f++) {
            if (strcmp(options[i].value, fault_names[f]) == 0) chosen = f;
        }
        if (chosen == FAULT_COUNT) {
            return cbs_fail(error, CB_STATUS_INVALID_ARGUMENT, "option '%s' has unknown fault '%s'", key,
                            options[i].value);
        }
        faults[kernel] = (fault)chosen;
    }
    /* The cpu backend's numerics, no defect. */
    const cbs_emu_config config = {.device_name = "fault injector (host CPU)", .vendor = "certify",
                                   .driver_version = CBS_EMU_VERSION, .device_id = device_id};
    return cbs_emu_create(&config, out, error);
}

static cb_status faulty_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error) {
    current_kernel = op->kernel;
    switch (fault_for(op->kernel)) {
    case FAULT_PREPARE_LOOP:
        for (volatile uint64_t spin = 0;; spin++) {
        }
    case FAULT_LIE_CAPABILITY:
        return cbs_fail(error, CB_STATUS_UNSUPPORTED, "%s is not implemented", cbs_kernel_name(op->kernel));
    case FAULT_HUGE_ALLOC: {
        size_t bytes = (size_t)1 << 42;
        volatile char *block = malloc(bytes);
        /* A careless backend does not check: a NULL block crashes, a real one exhausts memory. */
        for (size_t i = 0; i < bytes; i += 4096) block[i] = 1;
        free((void *)block);
        break;
    }
    default:
        break;
    }
    return cbs_emu_prepare(backend, op, out, error);
}

static cb_status faulty_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                                cb_buffer *const *outputs, size_t n_outputs, cb_error *error) {
    n_last_outputs = 0;
    for (size_t o = 0; plan != NULL && outputs != NULL && o < n_outputs && o < CBS_MAX_OUTPUTS; o++) {
        last_outputs[o] = outputs[o];
        last_output_bytes[o] = ((const cbs_plan *)(const void *)plan)->geometry.outputs[o].bytes;
        n_last_outputs = o + 1;
    }
    switch (fault_for(current_kernel)) {
    case FAULT_SEGFAULT:
        *(volatile int *)(uintptr_t)0 = 1;
        break;
    case FAULT_ABORT:
        abort();
    case FAULT_HANG:
        for (;;) pause();
    case FAULT_EXIT:
        exit(0);
    case FAULT_GARBAGE_ERROR:
        memset(error->message, 0xFF, sizeof error->message);
        error->message[0] = (char)0xC3; /* a lead byte without its continuation */
        return CB_STATUS_INTERNAL;
    case FAULT_LONG_ERROR:
        memset(error->message, 'x', (size_t)1 << 20);
        return CB_STATUS_INTERNAL;
    case FAULT_CHATTER:
        /* Bytes that would look like a record header if they reached the protocol pipe. */
        fwrite("\x05\x00\x00\x00" "Dthis is the backend writing to stdout\n", 1, 43, stdout);
        fflush(stdout);
        fprintf(stderr, "this is the backend writing to stderr\n");
        break;
    case FAULT_UNTOUCHED:
        return CB_STATUS_OK;
    default:
        break;
    }
    cb_status status = cbs_emu_execute(backend, plan, inputs, n_inputs, outputs, n_outputs, error);
    if (status == CB_STATUS_OK && fault_for(current_kernel) == FAULT_CHANGES_INPUT && n_inputs > 0) {
        /* Emulated device memory is the buffer's host memory (NULL for an empty tensor). */
        unsigned char *data = ((cbs_buffer *)(void *)inputs[0])->data;
        if (data != NULL) data[0] ^= 0x01;
    }
    return status;
}

static cb_status faulty_download(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes, cb_error *error) {
    cb_status status = cbs_emu_download(backend, src, dst, bytes, error);
    if (status != CB_STATUS_OK) return status;
    fault planted = fault_for(current_kernel);
    if (planted == FAULT_OOB_WRITE) {
        memset((char *)dst + bytes, 0x5A, 16);
    } else if (planted == FAULT_OOB_FAR) {
        memset((char *)dst + bytes, 0x5A, 2 * 4096 * 4);
    } else if (planted == FAULT_NAN || planted == FAULT_WRONG) {
        /* 0xFF bytes are a NaN in every float dtype; the last byte of a little-endian float holds
         * the top of its exponent, so flipping 0x40 there moves the last element by a factor of
         * at least 2^64 (or turns a zero into 2). */
        const size_t tensor = output_tensor_bytes(src) < bytes ? output_tensor_bytes(src) : bytes;
        if (planted == FAULT_NAN) {
            memset(dst, 0xFF, tensor);
        } else if (tensor > 0) {
            ((unsigned char *)dst)[tensor - 1] ^= 0x40;
        }
    }
    return CB_STATUS_OK;
}

static cb_status faulty_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error) {
    if (fault_for(current_kernel) == FAULT_DEVICE_TIME) {
        *ns = 3600ull * 1000000000ull;
        return CB_STATUS_OK;
    }
    if (fault_for(current_kernel) == FAULT_UNTOUCHED) {
        *ns = 1000; /* keeps up the pretence of having run */
        return CB_STATUS_OK;
    }
    return cbs_emu_last_execute_ns(backend, plan, ns, error);
}

static const cb_api faulty_api = CBS_EMU_API("faulty", faulty_create, faulty_prepare, faulty_execute, faulty_download,
                                             faulty_last_execute_ns);

CBS_BOOTSTRAP(faulty_api)
