import CertifyBattery
import CertifyProfiles
import Foundation

/// Compares a candidate report with a baseline report and lists every regression.
package enum Gate {
    /// Judges `candidate` against `baseline` under `policy`, with `expectations` deciding which
    /// failures are expected, flaky or skipped; `flakes` are case ids that passed when re-run.
    package static func compare(
        baseline: CertificationPredicate, candidate: CertificationPredicate, policy: GatePolicy,
        expectations: GateExpectations = GateExpectations(), flakes: Set<String> = []
    ) -> [GateFinding] {
        var findings: [GateFinding] = []
        if candidate.level.level < baseline.level.level {
            findings.append(
                GateFinding(
                    .levelLowered, "level",
                    "the level fell from \(baseline.level.name) to \(candidate.level.name)"))
        }
        let candidateTiers = Dictionary(candidate.tiers.map { ($0.id, $0) }) { first, _ in first }
        for tier in baseline.tiers where tier.qualified {
            guard let now = candidateTiers[tier.id] else {
                findings.append(GateFinding(.tierLost, tier.id, "tier '\(tier.id)' was qualified and is no longer assessed"))
                continue
            }
            if !now.qualified {
                findings.append(
                    GateFinding(
                        .tierLost, tier.id,
                        "tier '\(tier.id)' is no longer qualified (requires L\(now.requiredLevel), reached L\(now.levelReached))"))
            }
        }

        let candidateCases = Dictionary(candidate.cases.map { ($0.id, $0) }) { _, later in later }
        var timed: [(CaseResult, CaseResult)] = []
        for old in baseline.cases {
            if let skip = expectations.skip(old.id) {
                findings.append(GateFinding(.skipped, old.id, skip.reason))
                continue
            }
            let new = candidateCases[old.id]
            let expected = expectations.expectedFailure(old.id)
            if new?.outcome == .passed {
                if let expected {
                    findings.append(
                        GateFinding(
                            .unexpectedPass, old.id,
                            "passes but \(expectations.path):\(expected.line) expects it to fail (\(expected.reason))"))
                }
            } else if old.outcome == .passed {
                findings.append(regression(old, new, expectations: expectations, flakes: flakes))
            }
            guard let new, old.outcome == .passed, new.outcome == .passed else { continue }
            if let growth = errorGrowth(old, new, policy: policy) { findings.append(growth) }
            timed.append((old, new))
        }

        findings += latencyRegressions(timed, policy: policy)
        return findings.sorted { ($0.kind, $0.subject) < ($1.kind, $1.subject) }
    }

    /// The most severe failing kind among `findings`; nil when the gate passes.
    package static func worst(_ findings: [GateFinding]) -> GateFinding.Kind? {
        findings.map(\.kind).filter(\.fails).min()
    }

    /// A case that passed in the baseline and does not pass now.
    private static func regression(
        _ old: CaseResult, _ new: CaseResult?, expectations: GateExpectations, flakes: Set<String>
    ) -> GateFinding {
        let outcome = new.map { describe($0) } ?? "is missing from the candidate report"
        if let expected = expectations.expectedFailure(old.id) {
            return GateFinding(.expectedFailure, old.id, "\(outcome); expected: \(expected.reason)")
        }
        if let flake = expectations.flake(old.id) {
            return GateFinding(.flake, old.id, "\(outcome); known flake: \(flake.reason)")
        }
        if flakes.contains(old.id) {
            return GateFinding(.flake, old.id, "\(outcome), then passed when re-run in a fresh worker")
        }
        if new?.outcome == .unsupported {
            return GateFinding(.supportLost, old.id, "passed and is now unsupported: \(new?.message ?? "no reason given")")
        }
        return GateFinding(.newFailure, old.id, "passed and now \(outcome)")
    }

    private static func describe(_ result: CaseResult) -> String {
        switch result.outcome {
        case .failed:
            "fails (error \(ratio(result.standardRatio)) × the standard tolerance)"
        case .unsupported:
            "is unsupported"
        default:
            "ended \(result.outcome.rawValue)" + (result.message.map { ": \($0)" } ?? "")
        }
    }

    private static func errorGrowth(_ old: CaseResult, _ new: CaseResult, policy: GatePolicy) -> GateFinding? {
        guard let before = old.standardRatio, let after = new.standardRatio, before.isFinite, after.isFinite,
            before >= policy.negligibleErrorRatio, after > before * policy.errorGrowth
        else { return nil }
        return GateFinding(
            .errorGrowth, old.id,
            "error grew \(String(format: "%.1f", after / before))× (from \(ratio(before)) to \(ratio(after)) of the standard tolerance; limit \(format(policy.errorGrowth))×)")
    }

    /// Cases slower beyond noise, and the battery as a whole.
    ///
    /// Samples within one run are not independent of the host's load, which shifts whole runs:
    /// a case counts only when it is significantly slower by Mann–Whitney U (α / cases), slower by
    /// the effect floor, and slower than the battery's median ratio by the case threshold; the
    /// battery counts when
    /// its median p50 ratio passes the global threshold and most cases are significantly slower.
    private static func latencyRegressions(_ timed: [(CaseResult, CaseResult)], policy: GatePolicy) -> [GateFinding] {
        struct Compared {
            var id: String
            var before: Double
            var after: Double
            var p: Double
            var logRatio: Double { log(after / before) }
        }
        let compared: [Compared] = timed.compactMap { old, new in
            guard let before = old.latency, let after = new.latency, before.samples.count > 1, after.samples.count > 1,
                before.p50Microseconds > 0, after.p50Microseconds > 0
            else { return nil }
            return Compared(
                id: old.id, before: before.p50Microseconds, after: after.p50Microseconds,
                p: MannWhitney.greater(after.samples, than: before.samples).p)
        }
        guard !compared.isEmpty else { return [] }
        let level = policy.alpha / Double(compared.count)
        let center = median(compared.map(\.logRatio))
        var findings: [GateFinding] = []
        let significant = compared.filter { $0.p < level }
        let shift = exp(center)
        if shift > 1 + policy.globalLatencyThreshold && significant.count * 2 > compared.count {
            findings.append(
                GateFinding(
                    .latencyRegression, "battery",
                    String(format: "the median p50 ratio over %d cases is %.2f× (limit %.2f×); %d cases are slower by Mann–Whitney U at p < %.2g",
                        compared.count, shift, 1 + policy.globalLatencyThreshold, significant.count, level)))
        }
        for c in significant {
            let change = c.after / c.before
            let relative = change / shift
            guard change > 1 + policy.latencyThreshold, c.after - c.before > policy.latencyFloorMicroseconds,
                relative > 1 + policy.caseLatencyThreshold
            else { continue }
            findings.append(
                GateFinding(
                    .latencyRegression, c.id,
                    String(format: "p50 %.1f µs → %.1f µs (%.2f×, %.2f× the battery's median ratio %.2f×); Mann–Whitney p = %.2g < %.2g",
                        c.before, c.after, change, relative, shift, c.p, level)))
        }
        return findings
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    private static func ratio(_ value: Double?) -> String {
        value.map { String(format: "%.3g", $0) } ?? "unknown"
    }

    private static func format(_ value: Double) -> String {
        String(format: "%g", value)
    }
}
