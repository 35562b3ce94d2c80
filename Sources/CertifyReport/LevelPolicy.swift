import CertifyBattery
import CertifyNumerics
import CertifyProfiles

/// A certification level as DESIGN.md defines them; cumulative, each requiring the ones below.
package enum Level: Int, Sendable, Codable, Comparable, CaseIterable, ExpressibleByIntegerLiteral {
    case notCertified = 0
    case compatible = 1
    case validated = 2
    case critical = 3

    package init(integerLiteral value: Int) {
        guard let level = Level(rawValue: value) else { preconditionFailure("no level L\(value)") }
        self = level
    }

    package static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

    /// "L2 Validated".
    package var name: String {
        switch self {
        case .notCertified: "L0 Not certified"
        case .compatible: "L1 Compatible"
        case .validated: "L2 Validated"
        case .critical: "L3 Critical"
        }
    }

    /// "L2".
    package var label: String { "L\(rawValue)" }
}

/// Why one level was not reached.
package struct LevelGap: Sendable, Codable, Equatable {
    package var level: Level
    package var reasons: [String]
}

/// The level a run reached and, for every level above it, why not.
package struct LevelAssessment: Sendable, Codable, Equatable {
    /// The level reached (`level` in the report).
    package var reached: Level
    /// One entry per unreached level, lowest first.
    package var gaps: [LevelGap]

    enum CodingKeys: String, CodingKey {
        case reached = "level"
        case gaps
    }

    package var name: String { reached.name }
}

/// Facts about the run that are not in any case result.
package struct LevelContext: Sendable, Codable, Equatable {
    /// The chip profile pins the backend binary's SHA-256 (and it matched, or nothing would have run).
    package var backendPinned: Bool
    /// The run checked for out-of-bounds writes (guard pages in a worker process).
    package var memorySafetyChecked: Bool
    /// The run included a soak of repeated battery iterations.
    package var soakCompleted: Bool
    /// Where the run's seed came from; absent in older reports.
    package var seedOrigin: SeedOrigin?
    /// The model-level check (`ModelCheck`), which L2 requires; absent in reports of battery 1.3.0
    /// and before, which L2 did not hold to it, and in a shard that did not run it.
    package var modelCheck: ModelCheckRecord?

    package init(
        backendPinned: Bool, memorySafetyChecked: Bool = false, soakCompleted: Bool = false, seedOrigin: SeedOrigin? = nil
    ) {
        self.backendPinned = backendPinned
        self.memorySafetyChecked = memorySafetyChecked
        self.soakCompleted = soakCompleted
        self.seedOrigin = seedOrigin
    }
}

/// Levels as DESIGN.md defines them, within what this harness measures. Levels are cumulative.
///
/// - L1 Compatible: every core case supported, no errors, within the functional tolerance, no lie
///   caught, no write outside its buffers; no case at all crashed or hung the backend.
/// - L2 Validated: every case (core, extended and edge) within the standard tolerance; the first and last
///   executions agree within it; no case wrote outside its buffers; every case has a p50 budget (or the tier's percentile) and meets it;
///   the model-level check ran and every position is within its limits (a tier's scale multiplies
///   the logit limit, its square the KL limit). A crash or hang during the check costs L1, as a
///   case's does.
/// - L3 Critical: bitwise-identical repeated executions (first, last and every soak execution);
///   every case meets a p99 budget; the backend binary is pinned by SHA-256; memory checked by the
///   worker's guard pages (a violation there is a crash); a soak without errors.
///
/// An unstable latency is evidence neither way, so it decides no level. Load on a shared host can
/// only add time to a kernel, never remove it: a percentile within its budget is within it, noisy
/// or not, and a noisy case over its budget has been timed again (up to `LatencyFigures.maxAttempts`
/// loops), so a budget is held to the lowest percentile of any attempt. A case misses its budget
/// only when even its best attempt is over it; the reason then says how many attempts were made
/// and that the latency was unstable. The same holds for a p99: a tail measured under load is
/// inflated, never shortened.
package enum LevelPolicy {
    /// Assesses `results` with every tolerance multiplied by `toleranceScale` (a tier may tighten)
    /// and L2's budgets held at `percentile` (a tier may ask for p99).
    package static func assess(
        _ results: [CaseResult], context: LevelContext, toleranceScale: Double = 1, percentile: BudgetPercentile = .p50,
        listLimit: Int = 3
    ) -> LevelAssessment {
        let requirements = [
            l1(results, context, toleranceScale), l2(results, context, toleranceScale, percentile, listLimit), l3(results, context, listLimit),
        ]
        let reached = requirements.prefix { $0.isEmpty }.count
        let gaps = requirements.enumerated().dropFirst(reached).map { LevelGap(level: Level(integerLiteral: $0.offset + 1), reasons: $0.element) }
        return LevelAssessment(reached: Level(integerLiteral: reached), gaps: gaps)
    }

    private static func l1(_ results: [CaseResult], _ context: LevelContext, _ scale: Double) -> [String] {
        let core = results.filter { $0.role == .core }
        if core.isEmpty { return ["no core case ran"] }
        // "No crash" covers every case, core or edge.
        let crashes = results.filter { $0.role != .core && ($0.outcome == .crashed || $0.outcome == .timedOut) }
        // The model-level check runs the core kernels: a crash or hang there is one of the backend's.
        let chain: [String] = [context.modelCheck].compactMap { check in
            guard let check, check.outcome == .crashed || check.outcome == .timedOut else { return nil }
            return check.shortfall()
        }
        return chain + core.compactMap { result in
            switch result.outcome {
            case .unsupported: return "\(result.id) is not supported by the backend"
            case .error: return "\(result.id) failed to run: \(result.message ?? "unknown error")"
            case .crashed, .timedOut, .lied, .notRun: return faultReason(result)
            case .untrustworthy: return "\(result.id) is untrustworthy: \(result.message ?? "")"
            case .passed, .failed:
                if !result.passesFunctional(scale: scale) {
                    return "\(result.id) is outside the functional tolerance (\(ratioText(result.functionalRatio(scale: scale), scale, result)))"
                }
                // Writing outside its output corrupts whatever a real device keeps next to it.
                if let violation = result.memoryViolation { return "\(result.id) violated memory: \(violation)" }
                // A later run or execute that is semantically wrong is as wrong as a first one.
                if let difference = result.repeatability?.maxFunctionalDifferenceRatio, difference > scale {
                    return "\(result.id) gave a different result on a repeated run, outside the functional tolerance (\(differenceText(difference, scale)))"
                }
                return nil
            }
        } + crashes.map(faultReason)
    }

    /// Why a case that crashed, hung, lied or never ran counts against a level.
    private static func faultReason(_ result: CaseResult) -> String {
        let message = result.message ?? "no details"
        switch result.outcome {
        case .crashed: return "\(result.id) crashed the backend: \(message)"
        case .timedOut: return "\(result.id) hung the backend: \(message)"
        case .lied: return "\(result.id) caught the backend lying: \(message)"
        case .notRun: return "\(result.id) was not run: \(message)"
        default: return "\(result.id): \(message)"
        }
    }

    private static func budget(_ latency: LatencyFigures, _ percentile: BudgetPercentile) -> Double? {
        switch percentile {
        case .p50: latency.budgetP50Microseconds
        case .p99: latency.budgetP99Microseconds
        }
    }

    /// Why `result` does not meet its `percentile` budget; nil when it does or has none.
    private static func budgetReason(_ result: CaseResult, _ percentile: BudgetPercentile) -> String? {
        guard let latency = result.latency, let limit = budget(latency, percentile) else { return nil }
        let measured = percentile == .p50 ? latency.bestP50Microseconds : latency.bestP99Microseconds
        guard measured > limit else { return nil }
        let attempts = latency.attempts.map { " in the best of \($0.count) attempts" } ?? ""
        let noise = latency.unstable ? "; its latency was unstable (\(latency.instability))" : ""
        return "\(result.id) \(percentile.rawValue) \(Format.microseconds(measured)) exceeds its budget of \(Format.microseconds(limit))\(attempts)\(noise)"
    }

    private static func l2(
        _ results: [CaseResult], _ context: LevelContext, _ scale: Double, _ percentile: BudgetPercentile, _ limit: Int
    ) -> [String] {
        // Kernel by kernel evidence is not model-level evidence: the chain must give the model's tokens.
        var reasons: [String] = [context.modelCheck?.shortfall(scale: scale)].compactMap { $0 }
        var missingBudgets: [String] = []
        for result in results {
            switch result.outcome {
            case .unsupported:
                if result.role != .core { reasons.append("\(result.id) is not supported by the backend") }
                continue
            case .error:
                if result.role != .core { reasons.append("\(result.id) failed to run: \(result.message ?? "unknown error")") }
                continue
            case .untrustworthy:
                if result.role != .core { reasons.append("\(result.id) is untrustworthy: \(result.message ?? "")") }
                continue
            case .lied, .notRun:
                // A lie about a core kernel already costs L1; one about any other costs L2.
                if result.role != .core { reasons.append(faultReason(result)) }
                continue
            case .crashed, .timedOut:
                continue
            case .passed, .failed:
                break
            }
            if result.refusal != nil {
                if result.outcome == .failed { reasons.append("\(result.id) \(result.message ?? "was not refused")") }
                continue
            }
            if result.role != .core, let violation = result.memoryViolation {
                reasons.append("\(result.id) violated memory: \(violation)")
            }
            if let ratio = result.standardRatio(scale: scale), ratio > scale {
                reasons.append("\(result.id) is outside the standard tolerance (\(ratioText(ratio, scale, result)))")
            }
            if let repeatability = result.repeatability, repeatability.maxDifferenceRatio > scale {
                reasons.append(
                    "\(result.id) gave different results on repeated runs (\(differenceText(repeatability.maxDifferenceRatio, scale)))")
            }
            if let reason = budgetReason(result, percentile) {
                reasons.append(reason)
            } else if result.latency.flatMap({ budget($0, percentile) }) == nil {
                missingBudgets.append(result.id)
            }
        }
        if !missingBudgets.isEmpty {
            reasons.append(
                "no \(percentile.rawValue) latency budget in the chip profile for \(Format.list(missingBudgets, limit: limit))")
        }
        return reasons
    }

    private static func l3(_ results: [CaseResult], _ context: LevelContext, _ limit: Int) -> [String] {
        var reasons: [String] = []
        let ran = results.filter { ($0.outcome == .passed || $0.outcome == .failed) && $0.refusal == nil }
        let nondeterministic = ran.filter { $0.repeatability?.bitwiseIdentical == false }.map(\.id)
        if !nondeterministic.isEmpty {
            reasons.append("repeated runs are not bitwise identical for \(Format.list(nondeterministic, limit: limit))")
        }
        var missingBudgets: [String] = []
        for result in ran {
            if let reason = budgetReason(result, .p99) {
                reasons.append(reason)
            } else if result.latency?.budgetP99Microseconds == nil {
                missingBudgets.append(result.id)
            }
            if let mismatches = result.soakMismatches, mismatches > 0, let runs = result.soakRuns {
                reasons.append("\(result.id) differed bitwise from its first execute in \(mismatches) of \(runs) soak executions")
            }
        }
        if !missingBudgets.isEmpty {
            reasons.append("no p99 latency budget in the chip profile for \(Format.list(missingBudgets, limit: limit))")
        }
        if !context.backendPinned {
            reasons.append("the chip profile does not pin the backend library's SHA-256 (backend.sha256)")
        }
        if !context.memorySafetyChecked {
            reasons.append("memory safety was not checked: the backend ran in-process (--isolation in-process); guard pages need the worker process")
        }
        if !context.soakCompleted {
            reasons.append("no soak was run: run with --soak N (or a tier with a soak key) to repeat every case N extra times")
        }
        return reasons
    }

    /// How far repeated runs differ, in units of the whole standard tolerance.
    private static func differenceText(_ ratio: Double, _ scale: Double) -> String {
        guard ratio.isFinite else { return "NaN or Inf in one run where another has a number" }
        let limit = scale == 1 ? "" : ", limit \(Format.number(scale))×"
        return "largest difference at \(Format.number(ratio))× the element's bound\(limit)"
    }

    private static func ratioText(_ ratio: Double?, _ scale: Double, _ result: CaseResult) -> String {
        guard let ratio else { return "no figures" }
        guard ratio.isFinite else {
            // An infinite ratio is a non-finite mismatch, or any error where the bound is 0.
            let metrics = result.standard ?? result.functional
            if let metrics, metrics.nonFiniteMismatches > 0 {
                return "NaN or Inf where the oracle has none (\(metrics.nonFiniteMismatches) element\(metrics.nonFiniteMismatches == 1 ? "" : "s"))"
            }
            let error = metrics.map { Format.number($0.maxAbsError) } ?? "?"
            return "a result that must be exact is off, by up to \(error) at element \(metrics?.worstIndex.map(String.init) ?? "?")"
        }
        if scale == 1 { return "worst element at \(Format.number(ratio))× its bound" }
        guard result.standardImplementationRatio != nil else {
            return "worst element at \(Format.number(ratio))× its bound, limit \(Format.number(scale))×"
        }
        var text =
            "worst element's error beyond the rounding to \(result.type.rawValue) at \(Format.number(ratio))× the implementation's share of its bound, limit \(Format.number(scale))×"
        // Looser declared numerics are what a tier tightens: say which the backend declared.
        if let capability = result.capability {
            if capability.rounding == .towardZero {
                text += "; the backend rounds toward zero, up to a second rounding's worth of error a tier does not excuse"
            }
            if let accumulation = capability.accumulation, accumulation.unitRoundoff > DType.fp32.unitRoundoff {
                text += "; the backend accumulates in \(accumulation.rawValue)"
            }
        }
        return text
    }
}
