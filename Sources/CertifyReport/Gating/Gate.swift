import CertifyBattery
import CertifyProfiles
import Foundation

/// Compares a candidate report with a baseline report and lists every regression.
package enum Gate {
    /// Judges `candidate` against `baseline` under `policy`, with `expectations` deciding which
    /// failures are expected, flaky or skipped. `reruns` are results of cases run again in a fresh
    /// worker: a failure that passes there, or a latency regression its re-measurement does not
    /// confirm, is a flake.
    package static func compare(
        baseline: CertificationPredicate, candidate: CertificationPredicate, policy: GatePolicy,
        expectations: GateExpectations = GateExpectations(), reruns: [String: CaseResult] = [:]
    ) -> [GateFinding] {
        evaluate(baseline: baseline, candidate: candidate, policy: policy, expectations: expectations, reruns: reruns).findings
    }

    /// As `compare`, and what the gate could see of latency. With `paired`, a side-by-side
    /// measurement of both libraries, latency is judged on it (`PairedLatency`) and not on the
    /// reports' samples; without, `fallbackReason` says why there is none.
    package static func evaluate(
        baseline: CertificationPredicate, candidate: CertificationPredicate, policy: GatePolicy,
        expectations: GateExpectations = GateExpectations(), reruns: [String: CaseResult] = [:],
        paired: PairedMeasurement? = nil, fallbackReason: String? = nil
    ) -> (findings: [GateFinding], latency: LatencySummary?) {
        var findings: [GateFinding] = []
        var unjudged: [String: [String]] = [:]
        if candidate.level.reached < baseline.level.reached {
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
                        "tier '\(tier.id)' is no longer qualified (requires \(now.requiredLevel.label), reached \(now.levelReached.label))"))
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
                findings.append(regression(old, new, expectations: expectations, rerun: reruns[old.id]))
            }
            guard let new, old.outcome == .passed, new.outcome == .passed else { continue }
            if let growth = errorGrowth(old, new, policy: policy) {
                findings.append(growth)
            } else if let reason = errorGrowthNotJudged(old, new, policy: policy) {
                unjudged[reason, default: []].append(old.id)
            }
            timed.append((old, new))
        }
        for (reason, ids) in unjudged.sorted(by: { $0.key < $1.key }) {
            findings.append(
                GateFinding(
                    .notJudged, "error growth",
                    "not judged for \(ids.count) case\(ids.count == 1 ? "" : "s"): \(reason): \(ids.sorted().joined(separator: ", "))"))
        }

        let latency: LatencySummary?
        if let paired {
            let comparable = timed.filter { $0.latency != nil && $1.latency != nil }.map(\.0.id)
            let judged = PairedLatency.judge(paired, comparable: Set(comparable), policy: policy)
            findings += judged.findings
            latency = judged.summary
        } else {
            let judged = latencyRegressions(timed, policy: policy, reruns: reruns, fallbackReason: fallbackReason)
            findings += judged.findings
            latency = judged.summary
        }
        return (findings.sorted { ($0.kind, $0.subject) < ($1.kind, $1.subject) }, latency)
    }

    /// The failing kind that decides the exit status; nil when the gate passes. The most specific
    /// finding decides: a case that no longer passes (`new-failure`, then `support-lost`) is the
    /// cause of the level and tiers it costs, so it decides over `level-lowered` and `tier-lost`;
    /// those decide over `error-growth` and `latency-regression`, which leave every case passing
    /// (a level lost with only those is lost to a budget, determinism or the soak).
    package static func deciding(_ findings: [GateFinding]) -> GateFinding.Kind? {
        let kinds = Set(findings.map(\.kind).filter(\.fails))
        return GateFinding.Kind.precedence.first { kinds.contains($0) }
    }

    /// A case that passed in the baseline and does not pass now.
    private static func regression(
        _ old: CaseResult, _ new: CaseResult?, expectations: GateExpectations, rerun: CaseResult?
    ) -> GateFinding {
        let outcome = new.map { describe($0) } ?? "is missing from the candidate report"
        if let expected = expectations.expectedFailure(old.id) {
            return GateFinding(.expectedFailure, old.id, "\(outcome); expected: \(expected.reason)")
        }
        if let flake = expectations.flake(old.id) {
            return GateFinding(.flake, old.id, "\(outcome); known flake: \(flake.reason)")
        }
        if rerun?.outcome == .passed {
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

    /// Why a case's error growth was not judged, when it was not and could have grown.
    private static func errorGrowthNotJudged(_ old: CaseResult, _ new: CaseResult, policy: GatePolicy) -> String? {
        guard let before = old.standardRatio, before.isFinite, let after = new.standardRatio, after.isFinite else {
            return "a report has no finite error / tolerance for it (a call the backend must refuse, or a case judged on something else)"
        }
        guard before < policy.negligibleErrorRatio else { return nil }
        return String(
            format: "the baseline's error is below %g of the tolerance (exact or nearly exact: growth from there is rounding noise, not a regression; a failure would still fail the gate)",
            policy.negligibleErrorRatio)
    }

    /// Cases slower beyond noise, and the battery as a whole.
    ///
    /// Samples within one run are not independent of the host's load, which shifts whole runs
    /// and, less, single cases. Only cases stable in both reports are compared (an `unstable`
    /// latency is evidence of neither speed nor slowness). A case counts when it is significantly slower by Mann–Whitney U
    /// (α / cases), slower by the effect floors, and its log p50 ratio exceeds the battery's
    /// median log ratio by both the case threshold and `noiseSigmas` robust standard deviations
    /// of the battery's log ratios: on a noisy host the cases' ratios spread, and the limit widens
    /// with them. A case re-measured in a fresh worker must be slower there too. The battery
    /// counts when its median p50 ratio passes the global threshold and most cases are
    /// significantly slower.
    private static func latencyRegressions(
        _ timed: [(CaseResult, CaseResult)], policy: GatePolicy, reruns: [String: CaseResult], fallbackReason: String?
    ) -> (findings: [GateFinding], summary: LatencySummary?) {
        let compared = timed.compactMap { LatencyComparison($0, $1) }
        guard !compared.isEmpty else { return ([], nil) }
        let level = policy.alpha / Double(compared.count)
        let logs = compared.map(\.logRatio)
        let center = median(logs)
        let spread = 1.4826 * median(logs.map { abs($0 - center) })
        let limit = max(log(1 + policy.caseLatencyThreshold), policy.noiseSigmas * spread)
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
        func regressed(_ c: LatencyComparison) -> Bool {
            c.p < level && c.after / c.before > 1 + policy.latencyThreshold
                && c.after - c.before > policy.latencyFloorMicroseconds && c.logRatio - center > limit
        }
        for c in compared where regressed(c) {
            let detail = String(
                format: "p50 %.1f µs → %.1f µs (%.2f×, %.2f× the battery's median ratio %.2f×, limit %.2f×); Mann–Whitney p = %.2g < %.2g",
                c.before, c.after, c.after / c.before, exp(c.logRatio - center), shift, exp(limit), c.p, level)
            if let again = reruns[c.id], let old = timed.first(where: { $0.0.id == c.id })?.0 {
                if let remeasured = LatencyComparison(old, again), !regressed(remeasured) {
                    findings.append(
                        GateFinding(
                            .flake, c.id,
                            detail + String(format: "; re-measured in a fresh worker at %.1f µs (%.2f×): noise", remeasured.after, remeasured.after / remeasured.before)))
                    continue
                }
            }
            findings.append(GateFinding(.latencyRegression, c.id, detail))
        }
        let rows = compared.map { c in
            LatencySummary.Row(
                subject: c.id, before: c.before, after: c.after, ratio: c.after / c.before,
                limit: max(1 + policy.latencyThreshold, (c.before + policy.latencyFloorMicroseconds) / c.before, exp(center + limit)),
                p: c.p)
        }
        var notCompared: [String: String] = [:]
        for (old, _) in timed where !compared.contains(where: { $0.id == old.id }) {
            notCompared[old.id] = "its latency is unstable or missing in a report"
        }
        let rule = String(
            format: "latency: report against report; a case when one-sided Mann–Whitney U over the recorded samples gives p < %g "
                + "(%g Bonferroni over %d cases), its p50 rose by more than %g%% and %g µs, and its p50 ratio exceeds the battery's median "
                + "ratio by %g× or %g robust standard deviations of the cases' log ratios, whichever is larger; the battery when its "
                + "median p50 ratio exceeds %g× and more than half the cases are significantly slower.",
            level, policy.alpha, compared.count, policy.latencyThreshold * 100, policy.latencyFloorMicroseconds,
            1 + policy.caseLatencyThreshold, policy.noiseSigmas, 1 + policy.globalLatencyThreshold)
        let summary = LatencySummary(
            method: .reports, fallbackReason: fallbackReason, rule: rule, replicates: nil, seconds: nil,
            battery: LatencySummary.Row(subject: "battery", before: nil, after: nil, ratio: shift, limit: 1 + policy.globalLatencyThreshold, p: nil),
            families: [], cases: rows, notCompared: notCompared)
        return (findings, summary)
    }

    /// One case's latency in two reports; nil when either is missing, too short to test, or unstable.
    private struct LatencyComparison {
        var id: String
        var before: Double
        var after: Double
        var p: Double
        var logRatio: Double { log(after / before) }

        init?(_ old: CaseResult, _ new: CaseResult) {
            guard let was = old.latency, let now = new.latency, was.samples.count > 1, now.samples.count > 1,
                was.p50Microseconds > 0, now.p50Microseconds > 0, !was.unstable, !now.unstable
            else { return nil }
            id = old.id
            before = was.p50Microseconds
            after = now.p50Microseconds
            p = MannWhitney.greater(now.samples, than: was.samples).p
        }
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
