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

        let comparable = timed.filter { ($0.0.latency?.samples.count ?? 0) > 1 && ($0.1.latency?.samples.count ?? 0) > 1 }
        let level = policy.alpha / Double(max(comparable.count, 1))
        for (old, new) in comparable {
            if let slower = latencyRegression(old, new, policy: policy, level: level) { findings.append(slower) }
        }
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

    private static func latencyRegression(_ old: CaseResult, _ new: CaseResult, policy: GatePolicy, level: Double) -> GateFinding? {
        guard let before = old.latency, let after = new.latency else { return nil }
        let p50Before = before.p50Microseconds
        let p50After = after.p50Microseconds
        guard p50Before > 0 else { return nil }
        let change = p50After / p50Before
        guard change > 1 + policy.latencyThreshold, p50After - p50Before > policy.latencyFloorMicroseconds else { return nil }
        let test = MannWhitney.greater(after.samples, than: before.samples)
        guard test.p < level else { return nil }
        return GateFinding(
            .latencyRegression, old.id,
            String(format: "p50 %.1f µs → %.1f µs (%.2f×); Mann–Whitney p = %.2g < %.2g", p50Before, p50After, change, test.p, level)
                + " (α \(format(policy.alpha)) over the cases compared)")
    }

    private static func ratio(_ value: Double?) -> String {
        value.map { String(format: "%.3g", $0) } ?? "unknown"
    }

    private static func format(_ value: Double) -> String {
        String(format: "%g", value)
    }
}
