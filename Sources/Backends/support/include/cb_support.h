/*
 * cb_support.h — helpers shared by the certify backends in Sources/Backends.
 *
 * A small static library linked into each backend plugin. Everything here is
 * hidden: a plugin still exports only certify_backend_bootstrap.
 *
 * - Number formats: fp32 <-> fp16 and fp32 <-> bf16 by integer bit
 *   manipulation, so the result never depends on the host FPU, compiler flags
 *   or the current rounding mode; subnormal flushing; tensor element access.
 * - Errors: filling the harness's cb_error safely.
 * - Output structs: delivering query() and device_info() answers within the
 *   caller's struct_size.
 * - Options: checking and parsing the profile's backend.options.
 * - The kernel list as a table: every op checked, every tensor's dtype and
 *   size (op_table.c), for every backend.
 * - The device model's bookkeeping: buffer and plan lists, the checks of
 *   upload, download, prepare and execute, host memory as device memory
 *   (device.c), for the cpu backend, the emulator and the real libraries.
 * - Host emulation: a parameterised host implementation of the whole cb_api,
 *   used by the vendor stubs (ascend, cambricon, hygon) and the test plugins
 *   (defective, faulty) to emulate a chip's numerics.
 * - Plugin tables: cb_api initialisers and the bootstrap, as macros.
 *
 * Threads: every function is reentrant; the device layer and the emulator
 * follow the ABI rule that calls on one cb_backend are serialised by the
 * harness.
 */
#ifndef CB_SUPPORT_H
#define CB_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "certify_backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define CBS_HIDDEN
#else
#define CBS_HIDDEN __attribute__((visibility("hidden")))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CBS_PRINTF(format_index, first_arg) __attribute__((format(printf, format_index, first_arg)))
#else
#define CBS_PRINTF(format_index, first_arg)
#endif

/* ---- Number formats ---------------------------------------------------- */

/* fp32 -> fp16, round to nearest, ties to even. Overflow gives ±Inf, ±Inf
 * stays ±Inf, NaN gives a quiet NaN with the sign and the top payload bits. */
CBS_HIDDEN uint16_t cbs_f32_to_f16(float value);
/* fp32 -> fp16, round toward zero. Finite values too large for fp16 give
 * ±65504 (IEEE-754 roundTowardZero never overflows to Inf); Inf and NaN as
 * in cbs_f32_to_f16. */
CBS_HIDDEN uint16_t cbs_f32_to_f16_rtz(float value);
/* fp16 -> fp32, exact. A NaN comes back quiet, sign and payload kept. */
CBS_HIDDEN float cbs_f16_to_f32(uint16_t bits);

/* fp32 -> bf16, round to nearest, ties to even; same special cases as fp16. */
CBS_HIDDEN uint16_t cbs_f32_to_bf16(float value);
/* fp32 -> bf16 by dropping the low 16 bits (round toward zero); NaN quiet. */
CBS_HIDDEN uint16_t cbs_f32_to_bf16_rtz(float value);
/* bf16 -> fp32, exact. A NaN comes back quiet. */
CBS_HIDDEN float cbs_bf16_to_f32(uint16_t bits);

/* A subnormal becomes a zero of the same sign; anything else is unchanged. */
CBS_HIDDEN float cbs_flush_f32(float value);
CBS_HIDDEN uint16_t cbs_flush_f16(uint16_t bits);
CBS_HIDDEN uint16_t cbs_flush_bf16(uint16_t bits);

/* Bytes per element of a cb_dtype, 0 for a value that is not a cb_dtype. */
CBS_HIDDEN size_t cbs_dtype_size(uint32_t dtype);
/* "F32", "F16", …; "unknown" for a value that is not a cb_dtype. Static. */
CBS_HIDDEN const char *cbs_dtype_name(uint32_t dtype);
/* "GEMM", "SOFTMAX", …; "unknown" for a value that is not a cb_kernel. */
CBS_HIDDEN const char *cbs_kernel_name(uint32_t kernel);
/* 1 for the storage dtypes cbs_load and cbs_store handle: F32, F16, BF16. */
CBS_HIDDEN int cbs_is_float_dtype(uint32_t dtype);

/* Element `index` of a row-major tensor of `dtype` at `base`, widened to
 * float (exactly). With CB_DENORMALS_FLUSH a subnormal of the storage dtype
 * reads as a zero of the same sign. dtype must satisfy cbs_is_float_dtype;
 * anything else reads as NaN. base need not be aligned. */
CBS_HIDDEN float cbs_load(uint32_t dtype, const void *base, size_t index, cb_denormals denormals);
/* Stores `value` as element `index`, rounded to `dtype` with `rounding`
 * (F32 stores are exact either way). With CB_DENORMALS_FLUSH a result that
 * is subnormal in the storage dtype is stored as a zero of the same sign.
 * Other dtypes are ignored. base need not be aligned. */
CBS_HIDDEN void cbs_store(uint32_t dtype, void *base, size_t index, float value, cb_rounding rounding,
                          cb_denormals denormals);

/* cbs_load of elements first … first+count−1 into out[0 … count−1], in one
 * call: the way to widen a whole row or tensor. out must not overlap base. */
CBS_HIDDEN void cbs_load_row(uint32_t dtype, const void *base, size_t first, size_t count, float *out,
                             cb_denormals denormals);
/* cbs_store of values[0 … count−1] as elements first … first+count−1. */
CBS_HIDDEN void cbs_store_row(uint32_t dtype, void *base, size_t first, size_t count, const float *values,
                              cb_rounding rounding, cb_denormals denormals);

/* ---- Errors ------------------------------------------------------------ */

/* Writes `code` and the formatted message into the harness's error slot.
 * Tolerates NULL; writes only within error->struct_size (the caller's size
 * of the struct) and at most CB_ERROR_MESSAGE_CAPACITY bytes of message,
 * always NUL-terminated, cutting a long message on a UTF-8 character
 * boundary. */
CBS_HIDDEN void cbs_set_error(cb_error *error, int32_t code, const char *format, ...) CBS_PRINTF(3, 4);
/* cbs_set_error with a va_list. */
CBS_HIDDEN void cbs_set_error_v(cb_error *error, int32_t code, const char *format, va_list arguments)
    CBS_PRINTF(3, 0);
/* cbs_set_error with code 0, returning `status`: `return cbs_fail(error,
 * CB_STATUS_INVALID_ARGUMENT, "…", …);`. */
CBS_HIDDEN cb_status cbs_fail(cb_error *error, cb_status status, const char *format, ...) CBS_PRINTF(3, 4);

/* ---- Output structs ---------------------------------------------------- */

/* Deliver a query() or device_info() answer under the ABI's rule for output
 * structs: fill a complete struct of your own (its struct_size is ignored),
 * then put it. Copies min(out->struct_size, sizeof *answer) bytes into *out
 * and sets out->struct_size to that number; writes nothing and fails with
 * CB_STATUS_INVALID_ARGUMENT when out is NULL or its struct_size is below the
 * ABI 1.0 size. */
CBS_HIDDEN cb_status cbs_put_capability(cb_capability *out, const cb_capability *answer, cb_error *error);
/* What query() checks first: a backend and an output struct. Failure:
 * CB_STATUS_INVALID_ARGUMENT, "query needs a backend and an output struct". */
CBS_HIDDEN cb_status cbs_query_check(const cb_backend *backend, const cb_capability *out, cb_error *error);
/* A whole query(): checks as cbs_query_check, then puts `answer` when
 * supported is non-zero and an answer of supported = 0 otherwise. */
CBS_HIDDEN cb_status cbs_query_answer(const cb_backend *backend, cb_capability *out, int supported,
                                      const cb_capability *answer, cb_error *error);
/* The answer for a supported kernel: its sums in `accumulation` (GEMM_I8's
 * in int32, exactly, whatever `accumulation` says), every intermediate kept
 * in that type (intermediates = 0), and the given denormal and rounding
 * behaviour. Change a field after when a kernel differs. */
CBS_HIDDEN cb_capability cbs_supported(uint32_t kernel, uint32_t accumulation, uint32_t denormals, uint32_t rounding);
CBS_HIDDEN cb_status cbs_put_device_info(cb_device_info *out, const cb_device_info *answer, cb_error *error);
/* Copies text (NULL reads as "") into a cb_device_info string field,
 * truncating it to CB_INFO_STRING_CAPACITY − 1 bytes plus the NUL. */
CBS_HIDDEN void cbs_set_info(char field[CB_INFO_STRING_CAPACITY], const char *text);

/* ---- Options ----------------------------------------------------------- */

/* Checks that options is a valid array (non-NULL when n_options > 0, every
 * key and value non-NULL), that every key is one of the n_known `known`
 * keys, and that no key repeats. Failure: CB_STATUS_INVALID_ARGUMENT with
 * "unknown option 'KEY'", "option 'KEY' is given twice", …. */
CBS_HIDDEN cb_status cbs_options_check(const cb_option *options, size_t n_options, const char *const *known,
                                       size_t n_known, cb_error *error);
/* The value of `key`, or NULL when the option is absent. Borrowed from the
 * harness: valid only during create(). */
CBS_HIDDEN const char *cbs_option_value(const cb_option *options, size_t n_options, const char *key);
/* Parses option `key` as a decimal integer in [min, max]; *out = fallback
 * when the option is absent. Failure: CB_STATUS_INVALID_ARGUMENT with
 * "option 'KEY' must be an integer >= MIN, got 'VALUE'" (or "between MIN
 * and MAX" when max is bounded). */
CBS_HIDDEN cb_status cbs_option_int(const cb_option *options, size_t n_options, const char *key, int64_t min,
                                    int64_t max, int64_t fallback, int64_t *out, cb_error *error);
/* Parses option `key` as one of n_choices `choices`; *out = its index, or
 * fallback when the option is absent. Failure: CB_STATUS_INVALID_ARGUMENT
 * with "option 'KEY' has unknown value 'VALUE'; expected one of A, B, C". */
CBS_HIDDEN cb_status cbs_option_choice(const cb_option *options, size_t n_options, const char *key,
                                       const char *const *choices, size_t n_choices, size_t fallback, size_t *out,
                                       cb_error *error);
/* The start of create() for a backend whose one option is the integer `key`:
 * checks the output pointer, that no other option is given, and key's value
 * in [min, max] (*value = fallback when absent), failing as cbs_options_check
 * and cbs_option_int do; then returns a zeroed context of context_size bytes
 * (CB_STATUS_OUT_OF_MEMORY, "cannot allocate the backend context"). On any
 * failure it returns NULL with the status in *status; else *status is OK. */
CBS_HIDDEN void *cbs_create_begin(const void *out, const cb_option *options, size_t n_options, const char *key,
                                  int64_t min, int64_t max, int64_t fallback, int64_t *value, size_t context_size,
                                  cb_status *status, cb_error *error);
/* cbs_create_begin for a backend of a host library whose one option is
 * "threads", 1 to 1024 (default 1): the library's thread count. */
CBS_HIDDEN void *cbs_create_threaded(const void *out, const cb_option *options, size_t n_options, size_t context_size,
                                     int *threads, cb_status *status, cb_error *error);

/* ---- The kernel list as a table (op_table.c) ----------------------------- */

#define CBS_MAX_INPUTS 5
#define CBS_MAX_OUTPUTS 2

/* One tensor an op reads or writes: its dtype and its size in bytes. */
typedef struct cbs_tensor {
    uint32_t dtype; /* cb_dtype; I8 for GEMM_W4's packed weights */
    size_t bytes;
} cbs_tensor;

/* A checked op: its dimensions and, in the order execute receives them,
 * every input and output. Filled by cbs_op_geometry. */
typedef struct cbs_geometry {
    uint32_t ndims;
    size_t dims[CB_MAX_DIMS]; /* op->shape, each >= 0 */
    size_t n_inputs, n_outputs;
    cbs_tensor inputs[CBS_MAX_INPUTS];
    cbs_tensor outputs[CBS_MAX_OUTPUTS];
} cbs_geometry;

/* 1 when a host implementation covers kernel × dtype (every kernel of the
 * header in F32, F16 and BF16, GEMM_I8 in I8; a chip may still lack one). */
CBS_HIDDEN int cbs_op_supported(uint32_t kernel, uint32_t dtype);
/* Checks op against the header's kernel list — struct_size, kernel, dtype,
 * flags, ndims, every dimension, the kernel's scalar and shape rules, sizes
 * that fit size_t — and fills *geometry. UNSUPPORTED for a kernel × dtype
 * (or flags, or CONVERT pair) cbs_op_supported does not cover,
 * INVALID_ARGUMENT for a malformed op; the message names the bad value. */
CBS_HIDDEN cb_status cbs_op_geometry(const cb_op *op, cbs_geometry *geometry, cb_error *error);

/* ---- The device model's bookkeeping (device.c) ---------------------------
 *
 * What every backend does the same way: keep its buffers and plans on lists
 * that destroy() empties, check what upload, download, prepare and execute
 * are handed, and — for a backend on the host — use host memory as device
 * memory. A backend puts a cbs_device first in its struct cb_backend, a
 * cbs_buffer first in its struct cb_buffer and a cbs_plan first in its
 * struct cb_plan (C lets a pointer to a struct stand for one to its first
 * member); the cb_backend, cb_buffer and cb_plan handles below are those. */

typedef struct cbs_device cbs_device;

/* The start of a backend's buffer. */
typedef struct cbs_buffer {
    cbs_device *owner;
    struct cbs_buffer *prev, *next;
    size_t size;         /* bytes, as alloc() was asked */
    unsigned char *data; /* host memory of `size` bytes, or NULL (0 bytes, or memory on the device) */
} cbs_buffer;

/* The start of a backend's plan. */
typedef struct cbs_plan {
    cbs_device *owner;
    struct cbs_plan *prev, *next;
    cb_op op;              /* the harness's op (its ABI 1.0 part), copied: the op dies with prepare() */
    cbs_geometry geometry; /* the op checked, with every tensor's bytes */
    int has_run;           /* 1 once cbs_plan_ran recorded an execute */
    uint64_t last_execute_ns;
} cbs_plan;

/* The start of a backend. Zero it, then set the hooks the backend needs. */
struct cbs_device {
    cbs_buffer *buffers; /* every live buffer */
    cbs_plan *plans;     /* every live plan */
    /* Optional: free what the backend keeps beside a buffer or in a plan
     * (device memory, a compiled kernel) before the descriptor is freed. */
    void (*free_buffer)(cbs_buffer *buffer);
    void (*release_plan)(cbs_plan *plan);
    /* Zeroed host memory allocated past every buffer's size (0: none beyond
     * the rounding to 64 bytes), room for a kernel's whole-vector tail. */
    size_t padding;
};

/* Host monotonic clock, in nanoseconds. */
CBS_HIDDEN uint64_t cbs_now_ns(void);

/* alloc's bookkeeping: a zeroed descriptor of descriptor_size bytes (the
 * backend's struct cb_buffer) on the backend's list, with `bytes` (and the
 * device's padding) of zeroed, 64-byte aligned host memory at data when
 * host_memory is 1. */
CBS_HIDDEN cb_status cbs_device_new_buffer(cb_backend *backend, size_t bytes, size_t descriptor_size,
                                           int host_memory, cb_buffer **out, cb_error *error);
/* The free entry point: ignores NULL and buffers of another backend. */
CBS_HIDDEN void cbs_device_free(cb_backend *backend, cb_buffer *buffer);
/* upload's and download's checks (`what` names which): a buffer of this
 * backend, no more than its size, a host pointer when bytes > 0. */
CBS_HIDDEN cb_status cbs_device_check_transfer(cb_backend *backend, cb_buffer *buffer, const void *host,
                                               size_t bytes, const char *what, cb_error *error);

/* prepare's bookkeeping: checks op with cbs_op_geometry, then puts a zeroed
 * plan of descriptor_size bytes (the backend's struct cb_plan), holding a
 * copy of op and its geometry, on the backend's list. A backend that then
 * fails to build its part hands the plan to cbs_device_release. */
/* The data-dependent arguments of ABI 1.2's attentions, checked before
 * anything is read through them (INVALID_ARGUMENT as the header says).
 * `dims` is the op's shape. ATTENTION_VARLEN: q and kv lengths [b] that are
 * >= 0 and add up to the shape's Σq and Σkv. ATTENTION_PAGED: context
 * lengths [b] in [0, mb·bs] and, for each, the block ids it reads (the
 * first ⌈L/bs⌉ of its table row) in [0, nb). *longest (if not NULL) gets the
 * longest kv or context length. */
CBS_HIDDEN cb_status cbs_check_varlen(const size_t *dims, const int32_t *q_lengths, const int32_t *kv_lengths,
                                      size_t *longest, cb_error *error);
CBS_HIDDEN cb_status cbs_check_paged(const size_t *dims, const int32_t *table, const int32_t *lengths, size_t *longest,
                                     cb_error *error);

/* For a backend that implements none of ABI 1.2's additions: UNSUPPORTED,
 * naming `library`, for an op that uses one (CB_ADD_BROADCAST,
 * CB_GEMM_OUTPUT_F32, or a 1.2 kernel); CB_STATUS_OK for any other op. */
CBS_HIDDEN cb_status cbs_refuse_abi_1_2(const cb_op *op, const char *library, cb_error *error);
CBS_HIDDEN cb_status cbs_device_prepare(cb_backend *backend, const cb_op *op, size_t descriptor_size,
                                        cb_plan **out, cb_error *error);
/* The release entry point: ignores NULL and plans of another backend. */
CBS_HIDDEN void cbs_device_release(cb_backend *backend, cb_plan *plan);

/* The host memory of execute's buffers, by position (NULL for device memory). */
typedef struct cbs_operands {
    const void *in[CBS_MAX_INPUTS];
    void *out[CBS_MAX_OUTPUTS];
} cbs_operands;

/* execute's checks: a plan of this backend, the counts its kernel takes,
 * every buffer non-NULL, this backend's and as large as its tensor, and no
 * output that is also an input or another output. Fills *operands. */
CBS_HIDDEN cb_status cbs_device_check_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs,
                                              size_t n_inputs, cb_buffer *const *outputs, size_t n_outputs,
                                              cbs_operands *operands, cb_error *error);
/* A backend's kernel work on operands execute's checks have passed. */
typedef cb_status (*cbs_run_fn)(cb_backend *backend, cb_plan *plan, const cbs_operands *operands, cb_error *error);
/* The execute entry point's body for a backend of host memory: the checks
 * of cbs_device_check_execute, then run. */
CBS_HIDDEN cb_status cbs_device_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                                        cb_buffer *const *outputs, size_t n_outputs, cbs_run_fn run,
                                        cb_error *error);
/* Records a completed execute that began at start_ns (cbs_now_ns), for
 * cbs_device_last_execute_ns. */
CBS_HIDDEN void cbs_plan_ran(cb_plan *plan, uint64_t start_ns);
/* The last_execute_ns entry point, for a backend that times its executes
 * with cbs_plan_ran. */
CBS_HIDDEN cb_status cbs_device_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns,
                                                cb_error *error);

/* Releases every plan and frees every buffer still on the backend. */
CBS_HIDDEN void cbs_device_close(cb_backend *backend);
/* The destroy entry point of a backend with nothing else to close:
 * cbs_device_close, then free(backend). */
CBS_HIDDEN void cbs_device_destroy(cb_backend *backend);

/* Entry points for a backend whose device is the host: memory is host
 * memory, and execute finishes before it returns. */
CBS_HIDDEN cb_status cbs_host_alloc(cb_backend *backend, size_t bytes, cb_buffer **out, cb_error *error);
CBS_HIDDEN cb_status cbs_host_upload(cb_backend *backend, cb_buffer *dst, const void *src, size_t bytes,
                                     cb_error *error);
CBS_HIDDEN cb_status cbs_host_download(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes,
                                       cb_error *error);
CBS_HIDDEN cb_status cbs_host_synchronize(cb_backend *backend, cb_error *error);
/* device_info for a backend that runs this repository's C kernels on the
 * host: the given strings, the host's RAM as memory_bytes and "portable C"
 * as the implementation. */
CBS_HIDDEN cb_status cbs_host_device_info(cb_backend *backend, cb_device_info *out, const char *name,
                                          const char *vendor, const char *driver_version, cb_error *error);

/* ---- Host emulation of a device, for the vendor stubs ------------------- */

/* Defects planted on purpose so tests can check the battery catches them
 * (the defective plugin; Sources/Backends/defective/DEFECTS.md). The
 * emulator applies one but never reports it in query(). */
/* Every defect as X(ENUM_SUFFIX, "option-value"), in order: the enum and
 * the names the defect= option takes are both made from this one list. */
#define CBS_DEFECTS(X) \
    X(NONE, "none") \
    X(FP16_ACCUMULATION, "fp16-accumulation") \
    X(SOFTMAX_NO_MAX_SUBTRACTION, "softmax-no-max-subtraction") \
    X(RMSNORM_EPS_OUTSIDE_SQRT, "rmsnorm-eps-outside-sqrt") \
    X(ROPE_HALF_SPLIT, "rope-half-split") \
    X(CAUSAL_OFF_BY_ONE, "causal-off-by-one") \
    X(KV_GROUP_MODULO, "kv-group-modulo") \
    X(BF16_TRUNCATION, "bf16-truncation") \
    X(I8_INT16_ACCUMULATION, "i8-int16-accumulation") \
    X(REDUCE_MAX_NAN_SWALLOWED, "reduce-max-nan-swallowed") \
    X(ARGMAX_NAN_SWALLOWED, "argmax-nan-swallowed") \
    X(DENORMAL_FLUSH, "denormal-flush") \
    X(TOPK_TIES_HIGH_INDEX, "topk-ties-high-index") \
    X(ALTERNATE_CALL_ULP, "alternate-call-ulp") \
    X(LAYERNORM_UNBIASED_VARIANCE, "layernorm-unbiased-variance") \
    X(GELU_TANH_FOR_ERF, "gelu-tanh-for-erf") \
    X(SWIGLU_HALVES_SWAPPED, "swiglu-halves-swapped") \
    X(EMBEDDING_OFF_BY_ONE, "embedding-off-by-one") \
    X(W4_NIBBLES_SWAPPED, "w4-nibbles-swapped") \
    X(W8_SCALE_PER_ROW, "w8-scale-per-row") \
    X(SOFTMAX_MASKED_ROW_NAN, "softmax-masked-row-nan") \
    X(CONVERT_OVERFLOW_SATURATES, "convert-overflow-saturates") \
    X(CONVERT_NAN_TO_ZERO, "convert-nan-to-zero") \
    X(RMSNORM_MEAN_OVER_C_MINUS_1, "rmsnorm-mean-over-c-minus-1") \
    X(ATTENTION_SCALE_MISSING, "attention-scale-missing") \
    X(REDUCE_SUM_FP16, "reduce-sum-fp16") \
    X(ADD_DROPS_LAST, "add-drops-last") \
    X(ARGMAX_TIES_LAST, "argmax-ties-last") \
    X(ROPE_IGNORES_OFFSET, "rope-ignores-offset") \
    X(GEMM_BATCHED_REUSES_B, "gemm-batched-reuses-b") \
    X(W8_UNSIGNED_WEIGHTS, "w8-unsigned-weights") \
    X(REDUCE_MAX_EMPTY_ZERO, "reduce-max-empty-zero") \
    X(LAYERNORM_ONE_PASS_VARIANCE, "layernorm-one-pass-variance") \
    X(GEMM_TF32_OPERANDS, "gemm-tf32-operands") \
    X(SILU_SIGMOID_OVERFLOW, "silu-sigmoid-overflow") \
    X(ROPE_ACCEPTS_BAD_OFFSET, "rope-accepts-bad-offset") \
    X(EMBEDDING_CLAMPS_IDS, "embedding-clamps-ids") \
    X(LATER_EXECUTES_DRIFT, "later-executes-drift") \
    X(ATTENTION_CAUSAL_TOP_LEFT, "attention-causal-top-left") \
    X(ARGMAX_LAST_NAN, "argmax-last-nan") \
    X(CONVERT_TIES_AWAY, "convert-ties-away") \
    X(CONVERT_NAN_PAYLOAD_TRUNCATED, "convert-nan-payload-truncated") \
    X(PLAN_REPLAYS_RESULT, "plan-replays-result") \
    X(WRITES_PAST_OUTPUT, "writes-past-output") \
    X(TIMER_MICROSECONDS, "timer-microseconds") \
    X(LIES_ABOUT_GELU, "lies-about-gelu") \
    X(PLAN_CACHE_IGNORES_SCALARS, "plan-cache-ignores-scalars") \
    X(W8_DEQUANT_FP16, "w8-dequant-fp16") \
    X(PAGED_READS_WHOLE_BLOCK, "paged-reads-whole-block") \
    X(VARLEN_KV_OFFSETS_FROM_Q, "varlen-kv-offsets-from-q") \
    X(WG_SCALES_TRANSPOSED, "wg-scales-transposed") \
    X(I8_DEQUANT_FP16_SUM, "i8-dequant-fp16-sum") \
    X(LOGITS_ROUNDED_TO_STORAGE, "logits-rounded-to-storage")

typedef enum cbs_defect {
#define CBS_DEFECT_ENUM(id, name) CBS_DEFECT_##id,
    CBS_DEFECTS(CBS_DEFECT_ENUM)
#undef CBS_DEFECT_ENUM
    CBS_DEFECT_COUNT
} cbs_defect;

/* The option value naming each defect, indexed by cbs_defect ("none", …). */
CBS_HIDDEN extern const char *const cbs_defect_names[CBS_DEFECT_COUNT];

/* What an emulated chip does with numbers, and what it says about itself.
 * Accumulation is fp32 (int32 for GEMM_I8); capabilities are derived from
 * the declared fields (denormals, roundings), never from `defect`. */
typedef struct cbs_emu_config {
    const char *device_name;    /* static; cb_device_info.name */
    const char *vendor;         /* static; cb_device_info.vendor */
    const char *driver_version; /* static; cb_device_info.driver_version */
    cb_denormals denormals;     /* applied to every input load and output store */
    cb_rounding f16_rounding;   /* of results stored as F16 */
    cb_rounding bf16_rounding;  /* of results stored as BF16 */
    cbs_defect defect;
    int64_t device_id; /* from the device_id option; recorded, one host device */
} cbs_emu_config;

/* A kernel × dtype pair the emulated chip lacks; dtype 0 means every dtype. */
typedef struct cbs_emu_gap {
    uint32_t kernel; /* cb_kernel */
    uint32_t dtype;  /* cb_dtype, or 0 */
} cbs_emu_gap;

#define CBS_EMU_MAX_GAPS 32

/* Opens an emulated device configured by *config (copied) that implements
 * every kernel × dtype of the ABI. The cb_api entry points below take the
 * backend it returns (CBS_EMU_API puts them in a table). */
CBS_HIDDEN cb_status cbs_emu_create(const cbs_emu_config *config, cb_backend **out, cb_error *error);
/* cbs_emu_create for a chip that lacks the n_gaps (≤ CBS_EMU_MAX_GAPS) pairs
 * in gaps (copied): query() answers supported = 0 for them and prepare()
 * CB_STATUS_UNSUPPORTED. */
CBS_HIDDEN cb_status cbs_emu_create_limited(const cbs_emu_config *config, const cbs_emu_gap *gaps, size_t n_gaps,
                                            cb_backend **out, cb_error *error);
CBS_HIDDEN void cbs_emu_destroy(cb_backend *backend);
CBS_HIDDEN cb_status cbs_emu_device_info(cb_backend *backend, cb_device_info *out, cb_error *error);
CBS_HIDDEN cb_status cbs_emu_query(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out,
                                   cb_error *error);
CBS_HIDDEN cb_status cbs_emu_alloc(cb_backend *backend, size_t bytes, cb_buffer **out, cb_error *error);
CBS_HIDDEN void cbs_emu_free(cb_backend *backend, cb_buffer *buffer);
CBS_HIDDEN cb_status cbs_emu_upload(cb_backend *backend, cb_buffer *dst, const void *src, size_t bytes,
                                    cb_error *error);
CBS_HIDDEN cb_status cbs_emu_download(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes,
                                      cb_error *error);
CBS_HIDDEN cb_status cbs_emu_prepare(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error);
CBS_HIDDEN void cbs_emu_release(cb_backend *backend, cb_plan *plan);
CBS_HIDDEN cb_status cbs_emu_execute(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                                     cb_buffer *const *outputs, size_t n_outputs, cb_error *error);
CBS_HIDDEN cb_status cbs_emu_synchronize(cb_backend *backend, cb_error *error);
/* Host-clock duration of the plan's last execute; for stubs whose chip has a
 * device timer. */
CBS_HIDDEN cb_status cbs_emu_last_execute_ns(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error);

/* The version the emulated plugins report, as backend and as driver. */
#define CBS_EMU_VERSION "1.0.0"

#define CBS_EMU_MAX_OPTIONS 8

/* What a plugin on the emulator declares about its chip. */
typedef struct cbs_emu_chip {
    /* Its numerics and names; device_id is read from the option. */
    cbs_emu_config config;
    /* The kernel × dtype pairs the chip lacks, up to the first {0}. */
    cbs_emu_gap gaps[CBS_EMU_MAX_GAPS];
    /* The option names create() takes, up to the first NULL; none: device_id alone. */
    const char *options[CBS_EMU_MAX_OPTIONS];
    /* Optional: reads the options past device_id into *config. */
    cb_status (*configure)(cbs_emu_config *config, const cb_option *options, size_t n_options, cb_error *error);
} cbs_emu_chip;

/* create() for `chip`: refuses an option it does not name, reads device_id
 * (an integer >= 0, default 0; one host device stands in for every card),
 * runs chip->configure, then opens the chip with cbs_emu_create_limited. */
CBS_HIDDEN cb_status cbs_emu_open(const cbs_emu_chip *chip, const cb_option *options, size_t n_options,
                                  cb_backend **out, cb_error *error);

/* A cb_api on the emulator: the plugin's name and create, and the entries a
 * test plugin may wrap (prepare, execute, download, last_execute_ns: NULL
 * for a chip without a device timer); every other entry is cbs_emu_*. */
#define CBS_EMU_API(name, create_, prepare_, execute_, download_, last_execute_ns_)                                    \
    CBS_API(name, CBS_EMU_VERSION, create_, cbs_emu_destroy, cbs_emu_device_info, cbs_emu_query, cbs_emu_alloc,        \
            cbs_emu_free, cbs_emu_upload, download_, prepare_, cbs_emu_release, execute_, cbs_emu_synchronize,         \
            last_execute_ns_)

/* A whole plugin on the emulator: a create() that opens `chip` (a static
 * cbs_emu_chip) with cbs_emu_open, its CBS_EMU_API table, the bootstrap. */
#define CBS_EMU_PLUGIN(name, chip, prepare_, execute_, download_, last_execute_ns_)                                    \
    static cb_status emu_plugin_create(const cb_option *options, size_t n_options, cb_backend **out,                   \
                                       cb_error *error) {                                                              \
        return cbs_emu_open(&(chip), options, n_options, out, error);                                                  \
    }                                                                                                                  \
    static const cb_api emu_plugin_api =                                                                               \
        CBS_EMU_API(name, emu_plugin_create, prepare_, execute_, download_, last_execute_ns_);                         \
    CBS_BOOTSTRAP(emu_plugin_api)

/* A vendor stub: CBS_EMU_PLUGIN with the emulator's own entry points. */
#define CBS_EMU_STUB(name, chip, last_execute_ns_)                                                                     \
    CBS_EMU_PLUGIN(name, chip, cbs_emu_prepare, cbs_emu_execute, cbs_emu_download, last_execute_ns_)

/* ---- Plugin tables ------------------------------------------------------ */

/* 1 when the harness asks for ABI major CERTIFY_ABI_VERSION_MAJOR in a
 * request this plugin can read; the check every bootstrap makes. */
CBS_HIDDEN int cbs_bootstrap_accepts(const cb_bootstrap_request *request);

/* A cb_api initialiser of this ABI version: the name and version, then the
 * entry points in the table's order. */
#define CBS_API(name, version, create_, destroy_, device_info_, query_, alloc_, free_, upload_, download_, prepare_,   \
                release_, execute_, synchronize_, last_execute_ns_)                                                    \
    {                                                                                                                  \
        .struct_size = sizeof(cb_api), .abi_major = CERTIFY_ABI_VERSION_MAJOR,                                         \
        .abi_minor = CERTIFY_ABI_VERSION_MINOR, .backend_name = (name), .backend_version = (version),                  \
        .create = (create_), .destroy = (destroy_), .device_info = (device_info_), .query = (query_),                  \
        .alloc = (alloc_), .free = (free_), .upload = (upload_), .download = (download_), .prepare = (prepare_),       \
        .release = (release_), .execute = (execute_), .synchronize = (synchronize_),                                   \
        .last_execute_ns = (last_execute_ns_),                                                                         \
    }

/* A cb_api for a backend on the host layer: its own create, destroy,
 * device_info, query, prepare, execute, synchronize and last_execute_ns
 * (NULL: no device timer); memory, free and release are the layer's. */
#define CBS_HOST_API(name, version, create_, destroy_, device_info_, query_, prepare_, execute_, synchronize_,         \
                     last_execute_ns_)                                                                                 \
    CBS_API(name, version, create_, destroy_, device_info_, query_, cbs_host_alloc, cbs_device_free, cbs_host_upload,  \
            cbs_host_download, prepare_, cbs_device_release, execute_, synchronize_, last_execute_ns_)

/* Defines the plugin's one exported symbol, serving `api` (a static cb_api)
 * to a harness of this ABI major. */
#define CBS_BOOTSTRAP(api)                                                                                             \
    CERTIFY_EXPORT const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request) {                      \
        return cbs_bootstrap_accepts(request) ? &(api) : NULL;                                                         \
    }

#ifdef __cplusplus
}
#endif

#endif /* CB_SUPPORT_H */
