internal import COpenBLAS
import Foundation

/// fp64 matrix products on OpenBLAS: the only code in the module that calls the C library.
///
/// Every product runs on all the host's cores. The oracle runs in the supervisor between cases,
/// while the worker waits for its next request, so nothing timed shares the cores with it.
enum BLAS {
    /// OpenBLAS's thread count is process-wide: one product at a time sets it and puts it back.
    private static let lock = NSLock()

    /// C[m×n] = A[m×k]·B[k×n] (or A·Bᵀ with B stored n×k when `transposeB`), row-major with leading
    /// dimensions (row strides, in elements) `lda`, `ldb` and `ldc`; C is overwritten, never read, with
    /// β = 0, and C + A·B formed with β = 1 (a panel of a product accumulated). k = 0 leaves β·C.
    ///
    /// OpenBLAS runs on `Reference.threads` threads for the call, and the count it had before is
    /// set back after it: a backend over OpenBLAS loaded in this process (`--isolation
    /// in-process`) keeps the thread count it chose.
    static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int, transposeB: Bool = false,
        c: UnsafeMutablePointer<Double>, ldc: Int, beta: Double = 0
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM shape \(m)×\(n)×\(k)")
        precondition(lda >= k && ldb >= (transposeB ? k : n) && ldc >= n, "leading dimensions \(lda), \(ldb), \(ldc) below the rows they hold")
        guard m > 0 && n > 0 else { return }
        guard k > 0 else {
            if beta == 0 { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) } }
            return
        }
        precondition(
            [m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) },
            "GEMM shape \(m)×\(n)×\(k) beyond OpenBLAS's 32-bit dimensions")
        onOracleThreads {
            cblas_dgemm(
                CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// C[m×n] = A[m×k]·B[k×n] + β·C in fp32 (`cblas_sgemm`), row-major with leading dimensions
    /// `lda`, `ldb` and `ldc`, on `Reference.threads` threads as `gemm`; k must be positive.
    static func sgemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0
    ) {
        precondition(m > 0 && n > 0 && k > 0, "SGEMM shape \(m)×\(n)×\(k) not positive")
        precondition(lda >= k && ldb >= n && ldc >= n, "leading dimensions \(lda), \(ldb), \(ldc) below the rows they hold")
        precondition(
            [m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) },
            "SGEMM shape \(m)×\(n)×\(k) beyond OpenBLAS's 32-bit dimensions")
        onOracleThreads {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// Runs `product` with OpenBLAS on `Reference.threads` threads, then sets back the count it had.
    private static func onOracleThreads(_ product: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        let threads = openblas_get_num_threads()
        openblas_set_num_threads(Int32(clamping: Swift.max(1, Reference.threads)))
        defer { openblas_set_num_threads(threads) }
        product()
    }

    /// Ends OpenBLAS's helper threads (`blas_thread_shutdown_`); the next product starts them
    /// again, in about 0.1 ms. Left alone, they spin on `sched_yield` for about 0.1 s after every
    /// product, into the backend's next timed execute.
    static func park() {
        guard let shutdown = threadShutdown else { return }
        lock.lock()
        defer { lock.unlock() }
        let status = shutdown()
        precondition(status == 0, "blas_thread_shutdown_ returned \(status)")
    }

    /// `blas_thread_shutdown_`, looked up at run time: OpenBLAS exports it (its own fork handler)
    /// without declaring it in cblas.h, and only its threaded builds (Debian's pthread and openmp
    /// variants) have it; a serial build has no threads to end.
    private static let threadShutdown: (@convention(c) () -> Int32)? = {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "blas_thread_shutdown_") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
    }()
}
