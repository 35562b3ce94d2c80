import CertifyBackends
import CertifyBase
import CertifyBattery
import CertifyRun
import Foundation
import Testing

/// Detection that does not rest on luck: every planted defect is caught for seeds 1 to 10, each
/// time by a wide margin — the worst element at least 10× its bound (or a repeat that far off), a
/// NaN or Inf where the oracle has none, a result that must be exact and is not, or a refusal or
/// lie the harness sees. Runs the cases of the defect's kernels in-process, untimed, per seed.
@Suite struct DefectSeedTests {
    static let plugin = URL(fileURLWithPath: ExecutableLocation.directory)
        .appendingPathComponent("libcertify_backend_defective.so").path

    /// How far out a failed case is: ∞ for a non-finite or exact mismatch or a failed refusal.
    static func margin(_ result: CaseResult) -> Double {
        if result.memoryViolation != nil { return .infinity }
        if result.refusal != nil || result.outcome == .lied { return result.outcome == .passed ? 0 : .infinity }
        let standard = result.standardRatio ?? 0
        let repeats = result.repeatability?.maxDifferenceRatio ?? 0
        return max(standard, repeats)
    }

    /// The defects the inputs can reveal; one that only shows in timed executes (the device timer
    /// in the wrong unit, run slowed by an option) depends on the host's clock, not on a seed.
    @Test(arguments: corpus.filter { $0.options.isEmpty })
    func everyPlantedDefectIsCaughtByAWideMarginForSeedsOneToTen(_ defect: PlantedDefect) throws {
        let session = try InProcessSession(path: Self.plugin, expectedSHA256: nil, options: [(key: "defect", value: defect.name)])
        let cases = Battery.cases(.quick).filter { defect.kernels?.contains($0.kernel) ?? true }
        var weakest: (seed: UInt64, margin: Double) = (0, .infinity)
        for seed in UInt64(1)...10 {
            var plan = RunPlan(
                cases: cases, seed: seed,
                numerics: DeclaredNumericsModel(
                    accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven),
                warmup: 0, iterations: 1, budgets: [:])
            plan.runs = 2
            let results = Runner.run(plan, on: session)
            let margin = results.filter { $0.outcome != .passed && $0.outcome != .unsupported }.map(Self.margin).max() ?? 0
            if margin < weakest.margin { weakest = (seed, margin) }
        }
        #expect(weakest.margin >= 10, "\(defect.name): with seed \(weakest.seed) the widest miss is only \(weakest.margin)× its bound")
        print("defect \(defect.name): caught for seeds 1–10, the narrowest widest miss \(weakest.margin)× (seed \(weakest.seed))")
    }
}
