/*
 * certify_backend.h — the certify plugin C ABI, version 1.2.
 *
 * A vendor backend is a shared library that exports exactly one symbol,
 * certify_backend_bootstrap. Everything else is reached through the function
 * table it returns; build the library with -fvisibility=hidden and mark only
 * the bootstrap with CERTIFY_EXPORT.
 *
 * Versioning
 *   The ABI has a major and a minor version. A different major is a break and
 *   the harness refuses the plugin. A higher minor only appends: new fields at
 *   the end of structs, new entries at the end of cb_api, new enum values.
 *   Every struct starts with struct_size, set by whoever fills the struct, so
 *   either side can tell which fields the other knows about: a reader never
 *   reads a field that lies beyond the writer's struct_size.
 *
 *   Output structs (cb_capability, cb_device_info, which the backend fills
 *   in memory the caller owns) follow one rule, because caller and callee
 *   may have been built against different minors:
 *     - the caller sets struct_size to the size of the struct it knows
 *       (sizeof in its header; never less than the ABI 1.0 size, the
 *       CB_*_SIZE_1_0 macros below) and may leave the rest uninitialised;
 *     - the callee writes no byte beyond min(caller's struct_size, its own
 *       sizeof) and sets struct_size to the number of bytes it filled,
 *       which is that minimum; a struct_size below the 1.0 size is
 *       CB_STATUS_INVALID_ARGUMENT;
 *     - the caller reads only the fields that lie wholly inside the
 *       returned struct_size, and takes every field beyond it as absent
 *       (its documented default).
 *   So a 1.0 plugin returns the 1.0 sizes and a 1.1 harness treats
 *   cb_capability.intermediates as 0 and cb_device_info.implementation as
 *   absent; a 1.0 harness gets exactly the 1.0 bytes from a 1.1 plugin.
 *
 *   1.1 added cb_capability.intermediates and cb_device_info.implementation,
 *   and wrote down the rule for output structs above.
 *   1.2 added the serving kernels (ATTENTION_VARLEN, ATTENTION_PAGED,
 *   GEMM_W4G, GEMM_W8G, GEMM_I8_DEQUANT) and two flags (CB_ADD_BROADCAST,
 *   CB_GEMM_OUTPUT_F32). A harness never prepares or executes them on a
 *   plugin that reports abi_minor < 2 (it may query() them: such a plugin
 *   answers supported = 0 for the new kernels, as for any it does not know,
 *   and UNSUPPORTED from prepare() for the new flags).
 *
 * Lifetime and threads
 *   The harness loads the library, calls certify_backend_bootstrap once, then
 *   create() once per run. All calls on one cb_backend come from one thread at
 *   a time (the harness serialises them), so a backend needs no locking of its
 *   own unless it starts threads itself. Handles (cb_backend, cb_buffer,
 *   cb_plan) are opaque, owned by the backend, and released by their paired
 *   destroy/free/release call; the harness never uses a handle after
 *   releasing it.
 *
 * Errors
 *   Every fallible call returns a cb_status and, on failure, may write a
 *   NUL-terminated message into the caller-owned cb_error. The backend never
 *   allocates memory for the caller to free. A backend must not abort, exit
 *   or print: "not implemented" is CB_STATUS_UNSUPPORTED, an answer, not a
 *   crash.
 *
 *   An asynchronous device may find an error only after execute() returned
 *   CB_STATUS_OK (a fault in the kernel, a lost device). It reports it from
 *   the next synchronize() (or download(), which waits too) on that backend,
 *   with the status and message it would have given from execute(), and
 *   keeps reporting CB_STATUS_DEVICE_ERROR until the plan and buffers
 *   involved are released. The harness calls synchronize() after every
 *   execute(), so such an error is charged to the case that caused it;
 *   a backend must never leave it for a later, unrelated call to find.
 *
 * Device model (also for CPU backends)
 *   alloc → upload → prepare (plan/compile; its time is first-call latency)
 *   → execute (may be asynchronous) → synchronize → download → free.
 *   Buffers hold tensors in their storage dtype, row-major, densely packed,
 *   little-endian. The harness allocates every buffer larger than its
 *   tensor and checks that execute leaves the bytes past the tensor, and
 *   every input, as they were uploaded; it executes a plan again after
 *   uploading new inputs into the same buffers, and expects the result of
 *   those inputs.
 */
#ifndef CERTIFY_BACKEND_H
#define CERTIFY_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CERTIFY_ABI_VERSION_MAJOR 1
#define CERTIFY_ABI_VERSION_MINOR 2

#if defined(_WIN32)
#define CERTIFY_EXPORT __declspec(dllexport)
#else
#define CERTIFY_EXPORT __attribute__((visibility("default")))
#endif

/* Result of every fallible entry point. Values are stable; new ones append. */
typedef enum cb_status {
    CB_STATUS_OK = 0,
    CB_STATUS_INVALID_ARGUMENT = 1, /* the harness passed something malformed */
    CB_STATUS_UNSUPPORTED = 2,      /* kernel, dtype or shape not implemented */
    CB_STATUS_OUT_OF_MEMORY = 3,
    CB_STATUS_DEVICE_ERROR = 4, /* the device or driver failed */
    CB_STATUS_INTERNAL = 5,     /* a bug in the backend */
} cb_status;

/* Element types. Storage is IEEE-754 binary32/binary16, bfloat16 (the top 16
 * bits of a binary32), two's-complement integers. */
typedef enum cb_dtype {
    CB_DTYPE_F32 = 1,
    CB_DTYPE_F16 = 2,
    CB_DTYPE_BF16 = 3,
    CB_DTYPE_F64 = 4,
    CB_DTYPE_I8 = 5,
    CB_DTYPE_I32 = 6,
} cb_dtype;

/* How subnormal (denormal) numbers are treated in arithmetic. */
typedef enum cb_denormals {
    CB_DENORMALS_PRESERVE = 0, /* IEEE gradual underflow */
    CB_DENORMALS_FLUSH = 1,    /* subnormal inputs and results become zero */
} cb_denormals;

/* How results are rounded to the storage dtype. */
typedef enum cb_rounding {
    CB_ROUNDING_NEAREST_EVEN = 0,
    CB_ROUNDING_TOWARD_ZERO = 1, /* truncation, e.g. fp32 → bf16 by dropping bits */
} cb_rounding;

/*
 * Kernels. Each kernel defines what cb_op.shape, cb_op.scalars, cb_op.flags,
 * the inputs and the outputs mean. "T" is cb_op.dtype; tensors are T unless
 * stated otherwise. Integer tensors: I8 for int8 data, I32 for indices and
 * int32 results. Shapes are row-major; a dimension may be 0 (empty tensors).
 *
 * CB_KERNEL_GEMM          C[m×n] = A[m×k] · B[k×n]
 *                         shape = {m, n, k}; inputs = {A, B}; outputs = {C}.
 * CB_KERNEL_SOFTMAX       Y[r×c] = softmax over each row of X[r×c].
 *                         shape = {r, c}; inputs = {X} (or {X, M}, see flags);
 *                         outputs = {Y}. flags: CB_SOFTMAX_CAUSAL masks
 *                         column j of row i when j > i + (c − r) (a query
 *                         block at the end of a KV sequence); CB_SOFTMAX_MASK
 *                         adds input M, I8 [r×c], 0 = masked, any other
 *                         value (1, −1, 127 …) = kept, as a C boolean.
 *                         Masked entries are −∞ before the softmax. A row
 *                         with every entry masked outputs all zeros.
 * CB_KERNEL_RMSNORM       Y[r×c] = X / sqrt(mean(X², row) + eps) · W[c]
 *                         eps finite and ≥ 0 (else INVALID_ARGUMENT).
 *                         shape = {r, c}; scalars = {eps}; inputs = {X, W};
 *                         outputs = {Y}.
 * CB_KERNEL_SILU          Y[n] = X / (1 + exp(−X))
 *                         shape = {n}; inputs = {X}; outputs = {Y}.
 * CB_KERNEL_GEMM_BATCHED  C[b][m×n] = A[b][m×k] · B[b][k×n]
 *                         shape = {b, m, n, k}; inputs = {A, B}; outputs = {C}.
 * CB_KERNEL_GEMM_I8       C[m×n] = A[m×k] · B[k×n], exact in int32.
 *                         T = I8; shape = {m, n, k}; inputs = {A (I8), B (I8)};
 *                         outputs = {C (I32)}.
 * CB_KERNEL_GEMM_W8       weight-only int8 (W8A16): C[m×n] = A[m×k] ·
 *                         (W[k×n] · diag(S[n])), T = F16 or BF16 (F32 is
 *                         allowed too); S is T, one scale per column j.
 *                         shape = {m, n, k}; inputs = {A, W (I8), S};
 *                         outputs = {C}.
 * CB_KERNEL_GEMM_W4       weight-only int4 (W4A16): as GEMM_W8 with W holding
 *                         signed 4-bit values in [−8, 7], two per byte: element
 *                         e = kk·n + j lives in byte e/2, the low nibble for even
 *                         e and the high nibble for odd e. n·k must be even
 *                         (else INVALID_ARGUMENT).
 *                         shape = {m, n, k}; inputs = {A, W (I8 bytes, n·k/2),
 *                         S}; outputs = {C}.
 * CB_KERNEL_LAYERNORM     Y[r×c] = (X − mean) / sqrt(var + eps) · G[c] + B[c],
 *                         var the biased (1/c) variance of the row; eps
 *                         finite and ≥ 0 (else INVALID_ARGUMENT).
 *                         shape = {r, c}; scalars = {eps}; inputs = {X, G, B};
 *                         outputs = {Y}.
 * CB_KERNEL_GELU_ERF      Y[n] = X/2 · (1 + erf(X/√2)); shape = {n}.
 * CB_KERNEL_GELU_TANH     Y[n] = X/2 · (1 + tanh(√(2/π)·(X + 0.044715·X³))).
 *                         shape = {n}; inputs = {X}; outputs = {Y}.
 * CB_KERNEL_SWIGLU        Y[r×c] = silu(X[:, 0:c]) · X[:, c:2c], X[r×2c] the
 *                         fused gate/up projection as ChatGLM lays it out.
 *                         shape = {r, c}; inputs = {X}; outputs = {Y}.
 * CB_KERNEL_ROPE          rotary position embedding as ChatGLM2/3 applies it:
 *                         X[t×h×d], token i at position p = scalars[1] + i;
 *                         the first `rot` dims of each head are rotated in
 *                         adjacent pairs (x[2q], x[2q+1]) by angle
 *                         p · base^(−2q/rot), q = 0 … rot/2 − 1:
 *                           y[2q]   = x[2q]·cos − x[2q+1]·sin
 *                           y[2q+1] = x[2q+1]·cos + x[2q]·sin
 *                         the remaining d − rot dims are copied unchanged.
 *                         rot must be even and ≤ d; base finite and > 0;
 *                         offset a whole number in [0, 10^9] (else
 *                         INVALID_ARGUMENT: a fractional, negative or huge
 *                         offset is refused, never cast).
 *                         shape = {t, h, d, rot}; scalars = {base, offset};
 *                         inputs = {X}; outputs = {Y}.
 * CB_KERNEL_ATTENTION     scaled dot-product attention, causal, with
 *                         multi-query groups: Q[q×h×d], K[kv×g×d], V[kv×g×d],
 *                         O[q×h×d]; head j reads group j / (h/g); query i
 *                         attends to keys 0 … i + (kv − q); scores are scaled
 *                         by scalars[0] (1/√d in GLM), which must be finite.
 *                         h must be a multiple of g (g ≥ 1 when h ≥ 1); else
 *                         INVALID_ARGUMENT. A query that sees no key
 *                         (only when q > kv) outputs zeros, as a fully
 *                         masked softmax row does.
 *                         shape = {q, kv, h, g, d}; scalars = {scale};
 *                         inputs = {Q, K, V}; outputs = {O}.
 * CB_KERNEL_EMBEDDING     Y[n×w] = E[ids[i], :], E[v×w]; an id outside [0, v)
 *                         is CB_STATUS_INVALID_ARGUMENT.
 *                         shape = {n, v, w}; inputs = {E, ids (I32)};
 *                         outputs = {Y}.
 * CB_KERNEL_ARGMAX        I[r] = index of the largest entry of row r of X[r×c];
 *                         ties give the lowest index; a NaN counts as larger
 *                         than any number (the first NaN wins); c ≥ 1
 *                         whenever r ≥ 1.
 *                         shape = {r, c}; inputs = {X}; outputs = {I (I32)}.
 * CB_KERNEL_TOPK          the k largest entries of each row of X[r×c], in
 *                         descending order, ties by lower index first, NaN
 *                         largest: V[r×k] (T) and I[r×k] (I32); k ≤ c (else
 *                         INVALID_ARGUMENT).
 *                         shape = {r, c, k}; inputs = {X}; outputs = {V, I}.
 * CB_KERNEL_REDUCE_SUM    Y[r] = Σ row r of X[r×c]; an empty row sums to 0.
 * CB_KERNEL_REDUCE_MAX    Y[r] = max of row r of X[r×c]; NaN propagates; an
 *                         empty row gives −∞.
 *                         shape = {r, c}; inputs = {X}; outputs = {Y}.
 * CB_KERNEL_ADD           Y[n] = A[n] + B[n] (the residual add).
 *                         shape = {n}; inputs = {A, B}; outputs = {Y}.
 * CB_KERNEL_CONVERT       Y[n] = X[n] converted from T to the dtype in
 *                         cb_op.flags, correctly rounded in the rounding
 *                         the capability declares (nearest even: overflow
 *                         gives ±Inf; toward zero: the largest finite
 *                         value); NaN stays NaN, ±Inf stays ±Inf. The
 *                         pairs are F32 → F16, F32 → BF16, F16 → F32 and
 *                         BF16 → F32; others may be UNSUPPORTED.
 *                         shape = {n}; inputs = {X}; outputs = {Y}.
 *
 *
 * ABI 1.2 — serving-shaped kernels and flags:
 *
 * CB_KERNEL_ADD with CB_ADD_BROADCAST: Y[r×c] = A[r×c] + B[c], a bias added
 *                         to every row (ChatGLM's and GLM-4's QKV bias).
 *                         shape = {r, c}; inputs = {A, B}; outputs = {Y}.
 * CB_KERNEL_GEMM with CB_GEMM_OUTPUT_F32: as GEMM, with C stored as F32
 *                         (logits from F16 or BF16 activations and weights):
 *                         no rounding to T. outputs = {C (F32)}.
 * CB_KERNEL_ATTENTION_VARLEN  a batch of b sequences, each attended as
 *                         ATTENTION attends one, with its own query count
 *                         q_s and KV length kv_s (decode, chunked prefill and
 *                         fresh prompts in one call): Q[Σq×h×d],
 *                         K[Σkv×g×d], V[Σkv×g×d], O[Σq×h×d]; sequence s owns
 *                         the query rows from Σ_{t<s} q_t and the key rows
 *                         from Σ_{t<s} kv_t; its query i attends to its keys
 *                         0 … i + (kv_s − q_s). QL and KVL (I32, [b]) hold
 *                         q_s and kv_s; they must be ≥ 0 and sum to the
 *                         shape's Σq and Σkv, else INVALID_ARGUMENT (from
 *                         execute: the lengths are data). h, g, scale as for
 *                         ATTENTION.
 *                         shape = {b, Σq, Σkv, h, g, d}; scalars = {scale};
 *                         inputs = {Q, K, V, QL, KVL}; outputs = {O}.
 * CB_KERNEL_ATTENTION_PAGED   one decode query per sequence over a paged KV
 *                         cache, as serving engines lay it out: KC and VC
 *                         [nb×bs×g×d] hold nb blocks of bs token slots; BT
 *                         (I32, [b×mb]) is each sequence's block table and L
 *                         (I32, [b]) its context length. Key position p of
 *                         sequence s (0 ≤ p < L_s) is slot p % bs of block
 *                         BT[s][p / bs]; the query of sequence s (Q row s,
 *                         the newest token, its key already in the cache)
 *                         attends to all L_s keys. Slots past L_s and table
 *                         entries past ⌈L_s/bs⌉ are never read (the harness
 *                         fills them with stale values and −1). L_s must be
 *                         in [0, mb·bs] and each block id read in [0, nb),
 *                         else INVALID_ARGUMENT (from execute); L_s = 0
 *                         outputs zeros. bs must be ≥ 1 when mb ≥ 1 (else
 *                         INVALID_ARGUMENT from prepare). h, g, scale as for ATTENTION.
 *                         shape = {b, h, g, d, bs, nb, mb}; scalars = {scale};
 *                         inputs = {Q [b×h×d], KC, VC, BT, L}; outputs =
 *                         {O [b×h×d]}.
 * CB_KERNEL_GEMM_W4G      group-wise int4 weights with zero points, as
 *                         GPTQ/AWQ-style checkpoints store them: C[m×n] =
 *                         A[m×k] · Ŵ, Ŵ[p][j] = (W[p][j] − Z[p/G][j]) ·
 *                         S[p/G][j], W unsigned 4-bit values in [0, 15]
 *                         packed as GEMM_W4 packs them (element e = p·n + j
 *                         in byte e/2, low nibble for even e), S (T) and Z
 *                         (I8, any value; the difference is exact)
 *                         [k/G × n], one scale and zero point per group of G
 *                         rows of W and column. G ≥ 1 must divide k and n·k
 *                         must be even, else INVALID_ARGUMENT.
 *                         shape = {m, n, k, G}; inputs = {A, W (I8 bytes,
 *                         n·k/2), S, Z}; outputs = {C}.
 * CB_KERNEL_GEMM_W8G      as GEMM_W4G with W (I8) one signed byte per
 *                         weight in [−128, 127].
 *                         shape = {m, n, k, G}; inputs = {A, W (I8, k·n),
 *                         S, Z}; outputs = {C}.
 * CB_KERNEL_GEMM_I8_DEQUANT  int8 GEMM with dequantisation (SmoothQuant
 *                         style): C[i][j] = (Σ_p A[i][p]·B[p][j]) · SA[i] ·
 *                         SB[j], the integer sum exact, SA one F32 scale per
 *                         row (token) and SB one per column (channel); C is T
 *                         (F32, F16 or BF16), which is also the query's
 *                         dtype.
 *                         shape = {m, n, k}; inputs = {A (I8), B (I8), SA
 *                         (F32, [m]), SB (F32, [n])}; outputs = {C}.
 *
 * A capability query names the kernel and T; for GEMM_I8, T = I8; for
 * CONVERT, T is the source dtype and supported = 1 means at least one
 * destination: cb_capability cannot list destinations, so the harness asks
 * prepare() for each pair, and UNSUPPORTED from prepare() for a CONVERT
 * pair is an answer, never a lie (as for any op with flags).
 *
 * cb_op.flags: for every kernel but CONVERT a bitmask of the kernel's
 * CB_<KERNEL>_* bits (0 when it has none; a bit the backend does not know is
 * UNSUPPORTED from prepare()). CONVERT alone carries a value there, the
 * destination cb_dtype; kernels added after 1.1 use bitmasks only.
 *
 * Non-finite inputs: every kernel propagates NaN as IEEE arithmetic does;
 * ±∞ gives what the kernel's formula gives in IEEE arithmetic, except
 * where the formula is 0·∞ or ∞/∞ at a point where the function has a
 * limit: SILU, GELU_ERF and GELU_TANH at −∞ may give either
 * that limit (−0 or +0) or NaN (x/(1 + e^−x) and x·σ(x) give NaN there; a
 * guarded implementation gives the limit; the harness accepts both); at +∞
 * they give +∞.
 * SOFTMAX of a row holding +∞ is NaN in that row (∞ − ∞), and −∞ entries
 * give 0 when any entry is finite; a row of only −∞ entries, none of them
 * masked, is NaN (0/0), while a fully masked row is zeros (above).
 */
typedef enum cb_kernel {
    CB_KERNEL_GEMM = 1,
    CB_KERNEL_SOFTMAX = 2,
    CB_KERNEL_RMSNORM = 3,
    CB_KERNEL_SILU = 4,
    CB_KERNEL_GEMM_BATCHED = 5,
    CB_KERNEL_GEMM_I8 = 6,
    CB_KERNEL_GEMM_W8 = 7,
    CB_KERNEL_GEMM_W4 = 8,
    CB_KERNEL_LAYERNORM = 9,
    CB_KERNEL_GELU_ERF = 10,
    CB_KERNEL_GELU_TANH = 11,
    CB_KERNEL_SWIGLU = 12,
    CB_KERNEL_ROPE = 13,
    CB_KERNEL_ATTENTION = 14,
    CB_KERNEL_EMBEDDING = 15,
    CB_KERNEL_ARGMAX = 16,
    CB_KERNEL_TOPK = 17,
    CB_KERNEL_REDUCE_SUM = 18,
    CB_KERNEL_REDUCE_MAX = 19,
    CB_KERNEL_ADD = 20,
    CB_KERNEL_CONVERT = 21,
    /* ABI 1.2 */
    CB_KERNEL_ATTENTION_VARLEN = 22,
    CB_KERNEL_ATTENTION_PAGED = 23,
    CB_KERNEL_GEMM_W4G = 24,
    CB_KERNEL_GEMM_W8G = 25,
    CB_KERNEL_GEMM_I8_DEQUANT = 26,
} cb_kernel;

/* cb_op.flags for CB_KERNEL_SOFTMAX. */
#define CB_SOFTMAX_CAUSAL 0x1u
#define CB_SOFTMAX_MASK 0x2u
/* cb_op.flags for CB_KERNEL_ADD (ABI 1.2). */
#define CB_ADD_BROADCAST 0x1u
/* cb_op.flags for CB_KERNEL_GEMM (ABI 1.2). */
#define CB_GEMM_OUTPUT_F32 0x1u

#define CB_MAX_DIMS 8
#define CB_MAX_SCALARS 4
#define CB_ERROR_MESSAGE_CAPACITY 512
#define CB_INFO_STRING_CAPACITY 128

/* Caller-owned error slot. The backend writes code and a NUL-terminated
 * message of at most CB_ERROR_MESSAGE_CAPACITY bytes including the NUL. */
typedef struct cb_error {
    size_t struct_size;
    int32_t code; /* backend-specific detail code, 0 if none */
    char message[CB_ERROR_MESSAGE_CAPACITY];
} cb_error;

/* One backend option from the chip profile's backend.options, as text.
 * Both strings are owned by the harness and valid only during create(). */
typedef struct cb_option {
    const char *key;
    const char *value;
} cb_option;

/* What one kernel × dtype pair the backend offers. Filled by query(), under
 * the rule for output structs (Versioning, above). */
typedef struct cb_capability {
    size_t struct_size;
    uint32_t supported;    /* 1 if the pair is implemented, 0 otherwise */
    uint32_t accumulation; /* cb_dtype used for sums and intermediates */
    uint32_t denormals;    /* cb_denormals */
    uint32_t rounding;     /* cb_rounding of results to the storage dtype */
    /* ABI 1.1. The cb_dtype in which the kernel stores intermediate tensors
     * between its steps, when that is narrower than `accumulation`: e.g. a
     * softmax that keeps exp(x − max) in the bf16 output buffer before it
     * normalises (as oneDNN 2.x does on AVX-512) answers CB_DTYPE_BF16: each
     * such intermediate is rounded to that dtype before the next step.
     * 0 = every intermediate stays in the accumulation type; also what a
     * 1.0 plugin, which has no such field, means. */
    uint32_t intermediates;
} cb_capability;

/* A description of the device, for the report. Filled by device_info(),
 * under the rule for output structs (Versioning, above). Strings are
 * NUL-terminated within CB_INFO_STRING_CAPACITY bytes. */
typedef struct cb_device_info {
    size_t struct_size;
    char name[CB_INFO_STRING_CAPACITY];   /* e.g. "Ascend 910B (emulated)" */
    char vendor[CB_INFO_STRING_CAPACITY]; /* e.g. "Huawei" */
    char driver_version[CB_INFO_STRING_CAPACITY];
    uint64_t memory_bytes; /* device memory, 0 if unknown */
    /* ABI 1.1. Which code path the library chose on this host, for the
     * report: the instruction set or kernel family a library dispatches to
     * at run time ("oneDNN 2.6.3, effective ISA avx512_core_bf16", "OpenBLAS
     * 0.3.21, core SkylakeX"), the driver's compiler target, or "portable C"
     * for code that does not dispatch. Empty if there is nothing to say. */
    char implementation[CB_INFO_STRING_CAPACITY];
} cb_device_info;

/* The ABI 1.0 sizes of the output structs: the smallest struct_size a caller
 * passes, and what a 1.0 plugin returns. */
#define CB_CAPABILITY_SIZE_1_0 offsetof(cb_capability, intermediates)
#define CB_DEVICE_INFO_SIZE_1_0 offsetof(cb_device_info, implementation)

/* One kernel invocation's static description, passed to prepare(). Owned by
 * the harness and valid only during the call: copy what the plan needs. */
typedef struct cb_op {
    size_t struct_size;
    uint32_t kernel; /* cb_kernel */
    uint32_t dtype;  /* cb_dtype of inputs and outputs */
    uint32_t ndims;  /* number of meaningful entries in shape */
    uint32_t flags;  /* kernel-specific (see the kernel list), else 0 */
    int64_t shape[CB_MAX_DIMS];
    double scalars[CB_MAX_SCALARS];
} cb_op;

typedef struct cb_backend cb_backend; /* one device context */
typedef struct cb_buffer cb_buffer;   /* device memory */
typedef struct cb_plan cb_plan;       /* a prepared kernel */

/*
 * The function table. Returned by certify_backend_bootstrap; static storage,
 * valid until the library is unloaded. Entries marked optional may be NULL.
 */
typedef struct cb_api {
    size_t struct_size;
    uint32_t abi_major; /* CERTIFY_ABI_VERSION_MAJOR the plugin was built with */
    uint32_t abi_minor;
    const char *backend_name;    /* static, e.g. "cpu" */
    const char *backend_version; /* static, e.g. "1.0.0" */

    /* Open the device. options: n_options pairs from the profile. On success
     * *out is a new backend owned by the caller until destroy(). */
    cb_status (*create)(const cb_option *options, size_t n_options, cb_backend **out, cb_error *error);
    /* Release the backend and everything still allocated on it. */
    void (*destroy)(cb_backend *backend);

    /* Describe the device into *out, whose struct_size the caller sets. */
    cb_status (*device_info)(cb_backend *backend, cb_device_info *out, cb_error *error);
    /* Answer for one kernel × dtype into *out, whose struct_size the caller
     * sets; unknown kernels answer supported = 0. */
    cb_status (*query)(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out, cb_error *error);

    /* Device memory of `bytes` bytes (bytes may be 0). */
    cb_status (*alloc)(cb_backend *backend, size_t bytes, cb_buffer **out, cb_error *error);
    void (*free)(cb_backend *backend, cb_buffer *buffer);
    /* Copy host → device. src is harness memory valid only during the call. */
    cb_status (*upload)(cb_backend *backend, cb_buffer *dst, const void *src, size_t bytes, cb_error *error);
    /* Copy device → host; waits for outstanding work on dst. */
    cb_status (*download)(cb_backend *backend, cb_buffer *src, void *dst, size_t bytes, cb_error *error);

    /* Plan one op (choose an algorithm, compile). UNSUPPORTED is allowed for an
     * op with flags the backend lacks (query() answers per kernel × dtype only);
     * for an op without flags, UNSUPPORTED after query() said supported is
     * recorded as a lie. */
    cb_status (*prepare)(cb_backend *backend, const cb_op *op, cb_plan **out, cb_error *error);
    void (*release)(cb_backend *backend, cb_plan *plan);
    /* Enqueue the plan on inputs and outputs in the order the kernel
     * defines. Buffers stay owned by the harness; the call may return before
     * the work is done. */
    cb_status (*execute)(cb_backend *backend, cb_plan *plan, cb_buffer *const *inputs, size_t n_inputs,
                         cb_buffer *const *outputs, size_t n_outputs, cb_error *error);
    /* Wait until all enqueued work has finished. */
    cb_status (*synchronize)(cb_backend *backend, cb_error *error);

    /* Optional: device-measured duration, in nanoseconds, of the most recent
     * completed execute of `plan` (like a pair of CUDA events). */
    cb_status (*last_execute_ns)(cb_backend *backend, cb_plan *plan, uint64_t *ns, cb_error *error);
} cb_api;

/* What the harness asks for when it bootstraps. */
typedef struct cb_bootstrap_request {
    size_t struct_size;
    uint32_t harness_abi_major;
    uint32_t harness_abi_minor;
} cb_bootstrap_request;

/*
 * The one exported symbol. Returns the plugin's function table, or NULL if
 * the plugin cannot serve a harness of request->harness_abi_major. The
 * harness then checks api->abi_major itself and refuses a mismatch.
 */
typedef const cb_api *(*certify_backend_bootstrap_fn)(const cb_bootstrap_request *request);
#define CERTIFY_BACKEND_BOOTSTRAP_SYMBOL "certify_backend_bootstrap"
CERTIFY_EXPORT const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request);

#ifdef __cplusplus
}
#endif

#endif /* CERTIFY_BACKEND_H */
