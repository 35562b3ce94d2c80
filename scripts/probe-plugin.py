#!/usr/bin/env python3
"""Drives a certify plugin through ctypes on the 21-kernel header contract and prints its errors
against numpy in fp64, then a few edge cases (subnormals, NaN, ±Inf, empty rows). A diagnostic
for kernels this branch's battery does not run yet, not a test: the tolerances in the
`beyond` column are rough, the battery's are derived (BATTERY.md).
    python3 scripts/probe-plugin.py .build/debug/libcertify_backend_opencl.so
Needs numpy."""
import ctypes as C, numpy as np, sys
import math
erf = np.vectorize(math.erf)

lib = C.CDLL(sys.argv[1])
class Err(C.Structure): _fields_ = [("struct_size", C.c_size_t), ("code", C.c_int32), ("message", C.c_char * 512)]
class Cap(C.Structure): _fields_ = [("struct_size", C.c_size_t), ("supported", C.c_uint32), ("acc", C.c_uint32), ("den", C.c_uint32), ("rnd", C.c_uint32)]
class Op(C.Structure): _fields_ = [("struct_size", C.c_size_t), ("kernel", C.c_uint32), ("dtype", C.c_uint32), ("ndims", C.c_uint32), ("flags", C.c_uint32), ("shape", C.c_int64 * 8), ("scalars", C.c_double * 4)]
class Req(C.Structure): _fields_ = [("struct_size", C.c_size_t), ("maj", C.c_uint32), ("min", C.c_uint32)]
P = C.c_void_p; S = C.c_int
class Api(C.Structure): _fields_ = [("struct_size", C.c_size_t), ("maj", C.c_uint32), ("min", C.c_uint32), ("name", C.c_char_p), ("ver", C.c_char_p),
    ("create", C.CFUNCTYPE(S, P, C.c_size_t, C.POINTER(P), P)), ("destroy", C.CFUNCTYPE(None, P)),
    ("device_info", C.CFUNCTYPE(S, P, P, P)), ("query", C.CFUNCTYPE(S, P, C.c_uint32, C.c_uint32, C.POINTER(Cap), P)),
    ("alloc", C.CFUNCTYPE(S, P, C.c_size_t, C.POINTER(P), P)), ("free", C.CFUNCTYPE(None, P, P)),
    ("upload", C.CFUNCTYPE(S, P, P, P, C.c_size_t, P)), ("download", C.CFUNCTYPE(S, P, P, P, C.c_size_t, P)),
    ("prepare", C.CFUNCTYPE(S, P, C.POINTER(Op), C.POINTER(P), P)), ("release", C.CFUNCTYPE(None, P, P)),
    ("execute", C.CFUNCTYPE(S, P, P, C.POINTER(P), C.c_size_t, C.POINTER(P), C.c_size_t, P)),
    ("synchronize", C.CFUNCTYPE(S, P, P)), ("last", P)]
lib.certify_backend_bootstrap.restype = C.POINTER(Api)
req = Req(C.sizeof(Req), 1, 0)
api = lib.certify_backend_bootstrap(C.byref(req)).contents
err = Err(C.sizeof(Err))
be = P()
assert api.create(None, 0, C.byref(be), C.byref(err)) == 0, err.message
F32, F16, BF16, I8, I32 = 1, 2, 3, 5, 6
def bf16(x):  # round fp32 -> bf16 RNE, returned as float32 values
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7fff + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32)
    return u.view(np.float32)
def store(x, dt):
    x = np.asarray(x, np.float32)
    if dt == F32: return x.tobytes(), x.astype(np.float64)
    if dt == F16: h = x.astype(np.float16); return h.tobytes(), h.astype(np.float64)
    b = bf16(x); return (b.view(np.uint32) >> 16).astype(np.uint16).tobytes(), b.astype(np.float64)
def load(raw, dt):
    if dt == F32: return np.frombuffer(raw, np.float32).astype(np.float64)
    if dt == F16: return np.frombuffer(raw, np.float16).astype(np.float64)
    if dt == I32: return np.frombuffer(raw, np.int32).astype(np.float64)
    return (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32).astype(np.float64)
def run(kernel, dt, shape, inputs, out_sizes, flags=0, scalars=()):
    cap = Cap(C.sizeof(Cap)); api.query(be, kernel, dt, C.byref(cap), C.byref(err))
    if not cap.supported: return None
    op = Op(C.sizeof(Op), kernel, dt, len(shape), flags)
    for i, s in enumerate(shape): op.shape[i] = s
    for i, s in enumerate(scalars): op.scalars[i] = s
    plan = P()
    st = api.prepare(be, C.byref(op), C.byref(plan), C.byref(err))
    if st == 2: return "unsupported: " + err.message.decode()
    assert st == 0, err.message
    bufs = []
    for raw in inputs:
        b = P(); assert api.alloc(be, len(raw), C.byref(b), C.byref(err)) == 0
        if raw: api.upload(be, b, C.c_char_p(raw), len(raw), C.byref(err))
        bufs.append(b)
    outs = []
    for n in out_sizes:
        b = P(); assert api.alloc(be, n, C.byref(b), C.byref(err)) == 0; outs.append(b)
    ins = (P * max(1, len(bufs)))(*bufs); os_ = (P * len(outs))(*outs)
    st = api.execute(be, plan, ins, len(bufs), os_, len(outs), C.byref(err))
    assert st == 0, err.message
    api.synchronize(be, C.byref(err))
    res = []
    for b, n in zip(outs, out_sizes):
        buf = C.create_string_buffer(n); api.download(be, b, buf, n, C.byref(err)); res.append(buf.raw)
    for b in bufs + outs: api.free(be, b)
    api.release(be, plan)
    return res
rng = np.random.default_rng(3)
def report(name, dt, got, ref, tol_rel):
    if got is None: print(f"{name:14} dt={dt}: not supported"); return
    if isinstance(got, str): print(f"{name:14} dt={dt}: {got}"); return
    err_ = np.abs(got - ref); scale = np.abs(ref) + 1e-30
    bad = np.sum(err_ > tol_rel * np.maximum(np.abs(ref), 1e-3))
    print(f"{name:14} dt={dt}: max abs {err_.max():.3g}, max rel {(err_/scale).max():.3g}, beyond {tol_rel:g}·max(|y|,1e-3): {bad}")
for dt in (F32, F16, BF16):
    es = {F32: 4, F16: 2, BF16: 2}[dt]; tol = {F32: 1e-5, F16: 2e-3, BF16: 1.6e-2}[dt]
    # batched GEMM
    b_, m, n, k = 3, 5, 7, 64
    ra, a = store(rng.standard_normal(b_*m*k), dt); rb, bm = store(rng.standard_normal(b_*k*n), dt)
    r = run(5, dt, (b_, m, n, k), [ra, rb], [b_*m*n*es])
    ref = np.einsum('bmk,bkn->bmn', a.reshape(b_, m, k), bm.reshape(b_, k, n)).ravel()
    report("gemm_batched", dt, load(r[0], dt) if isinstance(r, list) else r, ref, tol)
    # layernorm
    rows, cols = 3, 96
    rx, x = store(rng.standard_normal(rows*cols)*3+1, dt); rg, g = store(rng.standard_normal(cols), dt); rbb, bb = store(rng.standard_normal(cols), dt)
    r = run(9, dt, (rows, cols), [rx, rg, rbb], [rows*cols*es], scalars=(1e-5,))
    X = x.reshape(rows, cols); mu = X.mean(1, keepdims=True); var = ((X-mu)**2).mean(1, keepdims=True)
    ref = ((X-mu)/np.sqrt(var+1e-5)*g+bb).ravel()
    report("layernorm", dt, load(r[0], dt) if isinstance(r, list) else r, ref, tol*4)
    # gelu erf / tanh
    nn = 512; rx, x = store(rng.standard_normal(nn)*4, dt)
    r = run(10, dt, (nn,), [rx], [nn*es]); ref = x/2*(1+erf(x/np.sqrt(2)))
    report("gelu_erf", dt, load(r[0], dt) if isinstance(r, list) else r, ref, tol)
    r = run(11, dt, (nn,), [rx], [nn*es]); ref = x/2*(1+np.tanh(np.sqrt(2/np.pi)*(x+0.044715*x**3)))
    report("gelu_tanh", dt, load(r[0], dt) if isinstance(r, list) else r, ref, tol)
    # swiglu
    rows, cols = 4, 32; rx, x = store(rng.standard_normal(rows*2*cols), dt)
    r = run(12, dt, (rows, cols), [rx], [rows*cols*es]); X = x.reshape(rows, 2*cols)
    ref = (X[:, :cols]/(1+np.exp(-X[:, :cols]))*X[:, cols:]).ravel()
    report("swiglu", dt, load(r[0], dt) if isinstance(r, list) else r, ref, tol)
    # rope
    t, h, d, rot = 3, 2, 16, 8; base, off = 10000.0, 5
    rx, x = store(rng.standard_normal(t*h*d), dt)
    r = run(13, dt, (t, h, d, rot), [rx], [t*h*d*es], scalars=(base, off))
    X = x.reshape(t, h, d).copy(); Y = X.copy()
    for i in range(t):
        for q in range(rot//2):
            th = (off+i) * base**(-2*q/rot); c, s = np.cos(th), np.sin(th)
            Y[i, :, 2*q] = X[i, :, 2*q]*c - X[i, :, 2*q+1]*s; Y[i, :, 2*q+1] = X[i, :, 2*q+1]*c + X[i, :, 2*q]*s
    report("rope", dt, load(r[0], dt) if isinstance(r, list) else r, Y.ravel(), tol*2)
    # attention
    q_, kv, h, g, d = 3, 7, 4, 2, 16; scale = 1/np.sqrt(d)
    rq, Q = store(rng.standard_normal(q_*h*d), dt); rk, K = store(rng.standard_normal(kv*g*d), dt); rv, V = store(rng.standard_normal(kv*g*d), dt)
    r = run(14, dt, (q_, kv, h, g, d), [rq, rk, rv], [q_*h*d*es], scalars=(scale,))
    Q = Q.reshape(q_, h, d); K = K.reshape(kv, g, d); V = V.reshape(kv, g, d); O = np.zeros((q_, h, d))
    for i in range(q_):
        for j in range(h):
            gg = j // (h//g); last = i + kv - q_
            s = K[:last+1, gg] @ Q[i, j] * scale; p = np.exp(s - s.max()); p /= p.sum(); O[i, j] = p @ V[:last+1, gg]
    report("attention", dt, load(r[0], dt) if isinstance(r, list) else r, O.ravel(), tol*2)
    # reduce sum / max, add
    rows, cols = 5, 100; rx, x = store(rng.standard_normal(rows*cols), dt); X = x.reshape(rows, cols)
    r = run(18, dt, (rows, cols), [rx], [rows*es]); report("reduce_sum", dt, load(r[0], dt) if isinstance(r, list) else r, X.sum(1), tol*10)
    r = run(19, dt, (rows, cols), [rx], [rows*es]); report("reduce_max", dt, load(r[0], dt) if isinstance(r, list) else r, X.max(1), 0)
    r = run(20, dt, (rows*cols,), [rx, rx], [rows*cols*es]); report("add", dt, load(r[0], dt) if isinstance(r, list) else r, 2*x, 0)
    # argmax, topk, embedding
    r = run(16, dt, (rows, cols), [rx], [rows*4]); report("argmax", dt, load(r[0], I32) if isinstance(r, list) else r, X.argmax(1).astype(float), 0)
    kk = 4; r = run(17, dt, (rows, cols, kk), [rx], [rows*kk*es, rows*kk*4])
    if isinstance(r, list):
        idx = np.argsort(-X, axis=1, kind='stable')[:, :kk]
        report("topk.idx", dt, load(r[1], I32), idx.ravel().astype(float), 0)
        report("topk.val", dt, load(r[0], dt), np.take_along_axis(X, idx, 1).ravel(), 0)
    else: report("topk", dt, r, None, 0)
    ids = np.array([3, 0, 4], np.int32); r = run(15, dt, (3, rows, cols), [rx, ids.tobytes()], [3*cols*es])
    report("embedding", dt, load(r[0], dt) if isinstance(r, list) else r, X[ids].ravel(), 0)
    # masked + causal softmax
    rows, cols = 3, 6; rx, x = store(rng.standard_normal(rows*cols), dt); X = x.reshape(rows, cols)
    M = (rng.random((rows, cols)) > 0.4).astype(np.int8); M[1] = 0
    r = run(2, dt, (rows, cols), [rx, M.tobytes()], [rows*cols*es], flags=3)
    keep = M.astype(bool) & (np.arange(cols)[None, :] <= np.arange(rows)[:, None] + cols - rows)
    Y = np.zeros_like(X)
    for i in range(rows):
        if keep[i].any(): e = np.where(keep[i], np.exp(X[i] - X[i][keep[i]].max()), 0); Y[i] = e / e.sum()
    report("softmax.c+m", dt, load(r[0], dt) if isinstance(r, list) else r, Y.ravel(), tol)
    # convert to each float dtype
    for to in (F32, F16, BF16):
        raw, x = store(rng.standard_normal(64)*100, dt)
        r = run(21, dt, (64,), [raw], [64*{F32:4,F16:2,BF16:2}[to]], flags=to)
        _, ref = store(x.astype(np.float32), to)
        report(f"convert->{to}", dt, load(r[0], to) if isinstance(r, list) else r, ref, 0)
# int8 gemm and weight-only
m, n, k = 4, 8, 300
A = rng.integers(-128, 128, (m, k), dtype=np.int8); B = rng.integers(-128, 128, (k, n), dtype=np.int8)
r = run(6, I8, (m, n, k), [A.tobytes(), B.tobytes()], [m*n*4])
report("gemm_i8", I8, load(r[0], I32) if isinstance(r, list) else r, (A.astype(np.int64) @ B.astype(np.int64)).ravel().astype(float), 0)
A = np.full((m, k), -128, np.int8); B = np.full((k, n), -128, np.int8)
r = run(6, I8, (m, n, k), [A.tobytes(), B.tobytes()], [m*n*4])
report("gemm_i8 -128s", I8, load(r[0], I32) if isinstance(r, list) else r, (A.astype(np.int64) @ B.astype(np.int64)).ravel().astype(float), 0)
for dt in (F16, BF16):
    ra, a = store(rng.standard_normal(m*k), dt); W = rng.integers(-128, 128, (k, n), dtype=np.int8); rs, s = store(rng.random(n)*0.1, dt)
    r = run(7, dt, (m, n, k), [ra, W.tobytes(), rs], [m*n*2])
    report("gemm_w8", dt, load(r[0], dt) if isinstance(r, list) else r, (a.reshape(m, k) @ (W * s)).ravel(), 2e-2)
    W4 = rng.integers(-8, 8, (k, n)); flat = W4.ravel(); packed = ((flat[0::2] & 15) | ((flat[1::2] & 15) << 4)).astype(np.uint8)
    r = run(8, dt, (m, n, k), [ra, packed.tobytes(), rs], [m*n*2])
    report("gemm_w4", dt, load(r[0], dt) if isinstance(r, list) else r, (a.reshape(m, k) @ (W4 * s)).ravel(), 2e-2)
print("-- edge cases")
tiny = np.array([1e-45, -3e-42, 1e-39, 5e-40, np.nan, np.inf, -np.inf, 3e38], np.float32)
r = run(20, F32, (8,), [tiny.tobytes(), tiny.tobytes()], [32])
print("add f32", np.frombuffer(r[0], np.float32) if isinstance(r, list) else r, "expect", tiny + tiny)
h = np.array([6e-8, -6e-8, 3e-5, 60000, 65504, np.nan], np.float16)
r = run(20, F16, (6,), [h.tobytes(), h.tobytes()], [12])
print("add f16", np.frombuffer(r[0], np.float16) if isinstance(r, list) else r, "expect", h + h)
r = run(21, F32, (8,), [tiny.tobytes()], [16], flags=F16)
print("f32->f16", np.frombuffer(r[0], np.float16) if isinstance(r, list) else r, "expect", tiny.astype(np.float16))
r = run(21, F16, (6,), [h.tobytes()], [24], flags=F32)
print("f16->f32", np.frombuffer(r[0], np.float32) if isinstance(r, list) else r)
x = np.array([1.0, np.nan, 3.0, -np.inf, 2.0, np.nan], np.float32)
r = run(19, F32, (2, 3), [x.tobytes()], [8]); print("max", np.frombuffer(r[0], np.float32) if isinstance(r, list) else r)
r = run(16, F32, (2, 3), [x.tobytes()], [8]); print("argmax", np.frombuffer(r[0], np.int32) if isinstance(r, list) else r)
r = run(4, F32, (6,), [x.tobytes()], [24]); print("silu", np.frombuffer(r[0], np.float32) if isinstance(r, list) else r)
a = np.array([[np.nan, 1.0], [1.0, 1.0]], np.float32); b = np.eye(2, dtype=np.float32)
r = run(1, F32, (2, 2, 2), [a.tobytes(), b.tobytes()], [16]); print("gemm nan", np.frombuffer(r[0], np.float32) if isinstance(r, list) else r)
r = run(1, F32, (2, 2, 0), [b"", b""], [16]); print("gemm k=0", np.frombuffer(r[0], np.float32) if isinstance(r, list) else r)
r = run(18, F32, (2, 0), [b""], [8]); print("sum empty", np.frombuffer(r[0], np.float32) if isinstance(r, list) else r)
r = run(19, F32, (2, 0), [b""], [8]); print("max empty", np.frombuffer(r[0], np.float32) if isinstance(r, list) else r)
api.destroy(be)
