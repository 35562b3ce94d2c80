import CertifyBattery
import CertifyNumerics

/// What a backend returned for one case: each output's bytes after the first execute and after the
/// last timed one, each further independent run's outputs, and how the soak went.
package struct ObservedOutputs: Sendable {
    package var first: [[UInt8]]
    package var last: [[UInt8]]
    package var repeats: [[[UInt8]]]
    /// A timed loop ran after the first execute (so `last` is a second execution).
    package var timed: Bool
    package var soakRuns: Int
    package var soakMismatches: Int

    package init(first: [[UInt8]], last: [[UInt8]], repeats: [[[UInt8]]], timed: Bool, soakRuns: Int, soakMismatches: Int) {
        self.first = first
        self.last = last
        self.repeats = repeats
        self.timed = timed
        self.soakRuns = soakRuns
        self.soakMismatches = soakMismatches
    }
}

/// Judging: a case's outputs against the fp64 oracle's expectations, and its runs against each other.
/// It sits with the oracle, apart from how the outputs were obtained (benchdnn keeps comparison
/// apart from execution in the same way).
package enum Judge {
    /// Compares every output with the oracle's expectation; the worst output's figures are kept.
    /// Every further independent run's outputs (`outputs.repeats`) are compared with the first.
    package static func judge(
        _ testCase: BatteryCase, outputs outcome: ObservedOutputs, inputs: [[Double]], numerics: DeclaredNumericsModel,
        into result: inout CaseResult
    ) {
        let expectations = testCase.expectations(inputs, numerics: numerics)
        var repeatability = Repeatability(
            runs: (outcome.timed ? 2 : 1) + outcome.repeats.count + outcome.soakRuns, maxDifferenceRatio: 0,
            bitwiseIdentical: outcome.soakMismatches == 0)
        for (index, expected) in expectations.enumerated() {
            let type = testCase.outputTypes[index]
            let first = type.decode(outcome.first[index])
            let last = type.decode(outcome.last[index])
            // Where flush-to-zero makes a second answer acceptable, judge against the nearer one.
            let reference = expected.alternative.map { alternative in
                zip(zip(expected.values, alternative), first).map { pair, actual in
                    let (value, other) = pair
                    return distance(actual, other) < distance(actual, value) ? other : value
                }
            } ?? expected.values
            let dtype = type.floatType ?? .fp64
            var standard = ErrorMetrics.compare(actual: first, reference: reference, tolerance: expected.standard, dtype: dtype)
            var functional = ErrorMetrics.compare(actual: first, reference: reference, tolerance: expected.functional, dtype: dtype)
            if type.floatType == nil {
                // An integer output's ulp is 1.
                standard.maxULP = standard.maxAbsError
                functional.maxULP = functional.maxAbsError
            }
            let standardRatio = ratio(standard)
            if result.standardRatio == nil || standardRatio > result.standardRatio! {
                result.standard = standard
                result.standardRatio = standardRatio
            }
            let functionalRatio = ratio(functional)
            if result.functionalRatio == nil || functionalRatio > result.functionalRatio! {
                result.functional = functional
                result.functionalRatio = functionalRatio
            }
            let standardShare = implementationRatio(first, reference, expected.standard, expected.unavoidable)
            result.standardImplementationRatio = max(result.standardImplementationRatio ?? 0, standardShare)
            let functionalShare = implementationRatio(first, reference, expected.functional, expected.unavoidable)
            result.functionalImplementationRatio = max(result.functionalImplementationRatio ?? 0, functionalShare)
            repeatability.maxDifferenceRatio = max(
                repeatability.maxDifferenceRatio, differenceRatio(first, last, expected.standard))
            repeatability.maxFunctionalDifferenceRatio = max(
                repeatability.maxFunctionalDifferenceRatio ?? 0, differenceRatio(first, last, expected.functional))
            repeatability.bitwiseIdentical =
                repeatability.bitwiseIdentical && outcome.first[index] == outcome.last[index]
            for run in outcome.repeats {
                let later = type.decode(run[index])
                repeatability.maxDifferenceRatio = max(
                    repeatability.maxDifferenceRatio, differenceRatio(first, later, expected.standard))
                repeatability.maxFunctionalDifferenceRatio = max(
                    repeatability.maxFunctionalDifferenceRatio ?? 0, differenceRatio(first, later, expected.functional))
                repeatability.bitwiseIdentical = repeatability.bitwiseIdentical && run[index] == outcome.first[index]
            }
            if index == 0 && type.floatType != nil && testCase.isDegenerate(expected.values) {
                result.outcome = .untrustworthy
                result.message = "the oracle's output is mostly zeros or constant, so agreement proves little"
            }
        }
        result.repeatability = repeatability
    }

    private static func distance(_ a: Double, _ b: Double) -> Double {
        if a.isNaN && b.isNaN { return 0 }
        if a == b { return 0 }
        let d = abs(a - b)
        return d.isNaN ? .infinity : d
    }

    /// Largest |error| / tolerance over the elements: ≤ 1 passes, infinite for a NaN or Inf mismatch.
    package static func ratio(_ metrics: ErrorMetrics) -> Double {
        if metrics.nonFiniteMismatches > 0 { return .infinity }
        guard let actual = metrics.worstActual, let reference = metrics.worstReference,
            let tolerance = metrics.worstTolerance
        else { return 0 }
        let error = abs(actual - reference)
        if error.isNaN { return 0 }
        if tolerance <= 0 { return error > 0 ? .infinity : 0 }
        return error / tolerance
    }

    /// Largest (|error| − unavoidable) / (tolerance − unavoidable) over the elements: 0 for an
    /// element within its unavoidable rounding, infinite for a NaN or Inf mismatch or an error
    /// where the bound has no implementation part.
    package static func implementationRatio(
        _ actual: [Double], _ reference: [Double], _ tolerance: [Double], _ unavoidable: [Double]
    ) -> Double {
        var worst = 0.0
        for i in actual.indices {
            let (a, r) = (actual[i], reference[i])
            if a.isNaN && r.isNaN { continue }
            if a == r { continue }
            let error = abs(a - r)
            guard error.isFinite else { return .infinity }
            let floor = i < unavoidable.count ? unavoidable[i] : 0
            guard error > floor else { continue }
            let share = tolerance[i] - floor
            worst = max(worst, share > 0 ? (error - floor) / share : .infinity)
        }
        return worst
    }

    /// Largest |first − last| / tolerance; two NaNs agree.
    package static func differenceRatio(_ first: [Double], _ last: [Double], _ tolerance: [Double]) -> Double {
        var worst = 0.0
        for i in first.indices {
            let (a, b) = (first[i], last[i])
            if a.isNaN && b.isNaN { continue }
            if a == b { continue }
            let difference = abs(a - b)
            guard difference.isFinite else { return .infinity }
            worst = max(worst, tolerance[i] > 0 ? difference / tolerance[i] : .infinity)
        }
        return worst
    }
}
