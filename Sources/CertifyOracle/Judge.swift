import CertifyBattery
import CertifyNumerics

/// What a backend returned for one case: each output's bytes after the first execute and after the
/// last timed one, each further independent run's outputs, how the soak went, and each output's
/// bytes after the same plan executed a second input set.
package struct ObservedOutputs: Sendable {
    package var first: [[UInt8]]
    package var last: [[UInt8]]
    package var repeats: [[[UInt8]]]
    /// A timed loop ran after the first execute (so `last` is a second execution).
    package var timed: Bool
    package var soakRuns: Int
    package var soakMismatches: Int
    /// The outputs of the second input set; nil when none was executed.
    package var second: [[UInt8]]?

    package init(
        first: [[UInt8]], last: [[UInt8]], repeats: [[[UInt8]]], timed: Bool, soakRuns: Int, soakMismatches: Int,
        second: [[UInt8]]? = nil
    ) {
        self.first = first
        self.last = last
        self.repeats = repeats
        self.timed = timed
        self.soakRuns = soakRuns
        self.soakMismatches = soakMismatches
        self.second = second
    }
}

/// Judging: a case's outputs against the fp64 oracle's expectations, and its runs against each other.
/// It sits with the oracle, apart from how the outputs were obtained (benchdnn keeps comparison
/// apart from execution in the same way).
package enum Judge {
    /// Compares every output with the oracle's expectation; the worst output's figures are kept.
    /// Every further independent run's outputs (`outputs.repeats`) are compared with the first.
    /// The second input set's outputs (`outputs.second`, computed from `secondInputs`) are judged
    /// as strictly as the first's, and the worse of the two sets decides the figures; the case's
    /// message says so when only the second set is outside the standard tolerance.
    package static func judge(
        _ testCase: BatteryCase, outputs outcome: ObservedOutputs, inputs: [[Double]], secondInputs: [[Double]]? = nil,
        numerics: DeclaredNumericsModel, into result: inout CaseResult
    ) {
        let secondReferences = outcome.second == nil ? nil : secondInputs.map { testCase.expectations($0, numerics: numerics) }
        judge(
            testCase, outputs: outcome, references: testCase.expectations(inputs, numerics: numerics), secondReferences: secondReferences,
            into: &result)
    }

    /// `judge` on the oracle's references of each input set, formed beforehand: the runner forms
    /// them before the backend runs (from its cache, or computed), so that it need not keep the
    /// inputs' values through the execute.
    package static func judge(
        _ testCase: BatteryCase, outputs outcome: ObservedOutputs, references expectations: [Expectation],
        secondReferences: [Expectation]?, into result: inout CaseResult
    ) {
        var repeatability = Repeatability(
            runs: (outcome.timed ? 2 : 1) + outcome.repeats.count + outcome.soakRuns, maxDifferenceRatio: 0,
            bitwiseIdentical: outcome.soakMismatches == 0)
        for (index, expected) in expectations.enumerated() {
            let type = testCase.outputTypes[index]
            let first = type.decode(outcome.first[index])
            let last = type.decode(outcome.last[index])
            keepWorst(compare(first, with: expected, type), in: &result)
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
        if let secondReferences, let second = outcome.second {
            judgeSecondSet(testCase, outputs: second, references: secondReferences, into: &result)
        }
    }

    /// Judges the second input set's outputs and keeps its figures where they are worse.
    private static func judgeSecondSet(
        _ testCase: BatteryCase, outputs: [[UInt8]], references expectations: [Expectation], into result: inout CaseResult
    ) {
        let firstRatio = result.standardRatio ?? 0
        var secondRatio = 0.0
        for (index, expected) in expectations.enumerated() {
            let type = testCase.outputTypes[index]
            let judged = compare(type.decode(outputs[index]), with: expected, type)
            secondRatio = max(secondRatio, judged.standardRatio)
            keepWorst(judged, in: &result)
        }
        // The figures kept are the second set's then; the message says where they come from.
        if secondRatio > 1 && firstRatio <= 1 && result.outcome != .untrustworthy {
            result.message =
                "within the standard tolerance on its inputs, but not on a second input set that the same plan executed in the same buffers after the timed loop"
        }
    }

    /// One output set against the oracle's expectation for it.
    private struct Comparison {
        var standard: ErrorMetrics
        var functional: ErrorMetrics
        var standardRatio: Double
        var functionalRatio: Double
        var standardShare: Double
        var functionalShare: Double
    }

    private static func compare(_ actual: [Double], with expected: Expectation, _ type: TensorType) -> Comparison {
        // Where flush-to-zero makes a second answer acceptable, judge against the nearer one.
        let reference = expected.alternative.map { alternative in
            zip(zip(expected.values, alternative), actual).map { pair, actual in
                let (value, other) = pair
                return distance(actual, other) < distance(actual, value) ? other : value
            }
        } ?? expected.values
        let dtype = type.floatType ?? .fp64
        var standard = ErrorMetrics.compare(actual: actual, reference: reference, tolerance: expected.standard, dtype: dtype)
        var functional = ErrorMetrics.compare(actual: actual, reference: reference, tolerance: expected.functional, dtype: dtype)
        if type.floatType == nil {
            // An integer output's ulp is 1.
            standard.maxULP = standard.maxAbsError
            functional.maxULP = functional.maxAbsError
        }
        return Comparison(
            standard: standard, functional: functional, standardRatio: ratio(standard), functionalRatio: ratio(functional),
            standardShare: implementationRatio(actual, reference, expected.standard, expected.unavoidable),
            functionalShare: implementationRatio(actual, reference, expected.functional, expected.unavoidable))
    }

    /// Keeps the figures of whichever output is furthest out, and the largest implementation shares.
    private static func keepWorst(_ judged: Comparison, in result: inout CaseResult) {
        if result.standardRatio == nil || judged.standardRatio > result.standardRatio! {
            result.standard = judged.standard
            result.standardRatio = judged.standardRatio
        }
        if result.functionalRatio == nil || judged.functionalRatio > result.functionalRatio! {
            result.functional = judged.functional
            result.functionalRatio = judged.functionalRatio
        }
        result.standardImplementationRatio = max(result.standardImplementationRatio ?? 0, judged.standardShare)
        result.functionalImplementationRatio = max(result.functionalImplementationRatio ?? 0, judged.functionalShare)
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

    /// Largest |first − last| / tolerance; two NaNs agree. (An implementation share with no
    /// unavoidable part.)
    package static func differenceRatio(_ first: [Double], _ last: [Double], _ tolerance: [Double]) -> Double {
        implementationRatio(first, last, tolerance, [])
    }
}
