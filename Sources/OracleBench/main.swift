import CertifyBattery
import CertifyOracle
import Dispatch
import Foundation

// Times the fp64 oracle's GEMM, `Reference.gemm` (C by cblas_dgemm and a bound on Σ|a·b| by
// cblas_sgemm, the work the oracle does for every GEMM-family case), on each distinct GEMM-family shape of a suite,
// batches included. scripts/bench-oracle compares the figures with numpy's float64 matmul.
//   certify-oracle-bench [quick|standard|full] [repeats] [threads]
// Prints one line per shape: batches m n k, the threads the oracle ran on (default: every core, as
// in certify), the fastest of `repeats` timings in nanoseconds, and the ids of the cases of that shape.
//   certify-oracle-bench cases ID…
// Times, for each full-suite case named, drawing its inputs (one set, seed 1) and the oracle's
// references of them (fp32 accumulation declared), one line each: id, seconds drawing, seconds
// in the oracle.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "cases" {
    let numerics = DeclaredNumericsModel(
        accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven)
    let byID = Dictionary(Battery.cases(.full).map { ($0.id, $0) }) { first, _ in first }
    for id in arguments.dropFirst() {
        guard let testCase = byID[id] else {
            FileHandle.standardError.write(Data("certify-oracle-bench: no case '\(id)' in the full suite\n".utf8))
            exit(65)
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let values = (0..<testCase.inputTypes.count).map { testCase.encodedInput($0, seed: 1).values }
        let drawn = DispatchTime.now().uptimeNanoseconds
        _ = testCase.expectations(values, numerics: numerics)
        let done = DispatchTime.now().uptimeNanoseconds
        print("\(id) \(Double(drawn - start) / 1e9) \(Double(done - drawn) / 1e9)")
    }
    exit(0)
}
guard arguments.count <= 3, let suite = Suite(rawValue: arguments.first ?? "full"),
    let repeats = Int(arguments.count > 1 ? arguments[1] : "3"), repeats > 0,
    let threads = Int(arguments.count > 2 ? arguments[2] : "\(Reference.threads)"), threads > 0
else {
    FileHandle.standardError.write(Data("usage: certify-oracle-bench [quick|standard|full] [repeats] [threads]\n".utf8))
    exit(64)
}
Reference.threads = threads
var shapes: [[Int]: [String]] = [:]
var order: [[Int]] = []
for testCase in Battery.cases(suite) where testCase.refusal == nil {
    let s = testCase.shape
    let shape: [Int]
    switch testCase.kernel {
    case .gemm, .gemmW8, .gemmW4, .gemmI8, .gemmW4G, .gemmW8G, .gemmI8Dequant: shape = [1, s[0], s[1], s[2]]
    case .gemmBatched: shape = s
    default: continue
    }
    guard shape.allSatisfy({ $0 > 0 }) else { continue }
    if shapes[shape] == nil { order.append(shape) }
    shapes[shape, default: []].append(testCase.id)
}
for shape in order {
    let (batches, m, n, k) = (shape[0], shape[1], shape[2], shape[3])
    // Values of no consequence to the time: a fixed pattern in (−0.5, 0.5).
    let a = (0..<m * k).map { Double(($0 &* 2_654_435_761) % 1000) / 1000 - 0.5 }
    let b = (0..<k * n).map { Double(($0 &* 40503) % 997) / 997 - 0.5 }
    var best = UInt64.max
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<batches { _ = Reference.gemm(a: a, b: b, m: m, n: n, k: k) }
        best = min(best, DispatchTime.now().uptimeNanoseconds - start)
    }
    print("\(batches) \(m) \(n) \(k) \(threads) \(best) \(shapes[shape]!.joined(separator: ","))")
}
