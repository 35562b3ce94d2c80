import Foundation

/// Judges a side-by-side (A/B) measurement: which cases, kernel families and whether the battery
/// as a whole got slower.
///
/// A worker process is the unit of replication: each replicate pair gives a case one log ratio
/// log(candidate median / baseline median), and under no change the two sides are exchangeable
/// (they ran back to back, alternating which went first), so the log ratios centre on zero.
/// Three one-sided paired t tests on those log ratios, as Mozilla's Perfherder compares runs:
/// - each **case**, Benjamini–Hochberg over the cases at `alpha`, slower by more than
///   `latencyThreshold` and `latencyFloorMicroseconds`;
/// - each **kernel family** (per replicate, the mean of its cases' log ratios), Holm over the
///   families at `alpha`, slower by more than `latencyThreshold`;
/// - the **battery** (per replicate, the median of every case's log ratio) at `alpha`, slower by
///   more than `pairedGlobalLatencyThreshold`: a release slowed uniformly.
package enum PairedLatency {
    /// The cases a first pass suggests are slower, worth timing again: one-sided p below 0.05 and
    /// at least 5 % slower; at most `limit`, the most significant first.
    package static func suspects(_ cases: [PairedMeasurement.Case], limit: Int) -> Set<String> {
        let screened = cases.compactMap { measured -> (String, Double)? in
            let logs = zip(measured.baseline, measured.candidate).filter { $0 > 0 && $1 > 0 && $0.isFinite && $1.isFinite }
                .map { log($1 / $0) }
            guard logs.count >= 2 else { return nil }
            let test = PairedT(logs)
            return test.p < 0.05 && test.ratio > 1.05 ? (measured.id, test.p) : nil
        }
        return Set(screened.sorted { $0.1 < $1.1 }.prefix(limit).map(\.0))
    }

    static func judge(
        _ measurement: PairedMeasurement, comparable: Set<String>, policy: GatePolicy
    ) -> (findings: [GateFinding], summary: LatencySummary) {
        var notCompared: [String: String] = [:]
        var tests: [CaseTest] = []
        for measured in measurement.cases where comparable.contains(measured.id) {
            let pairs = zip(measured.baseline, measured.candidate).filter { $0 > 0 && $1 > 0 && $0.isFinite && $1.isFinite }
            guard pairs.count >= 3 else {
                notCompared[measured.id] = "\(pairs.count) of \(measurement.replicates) replicate pairs measured; a test needs 3"
                continue
            }
            tests.append(
                CaseTest(
                    id: measured.id, kernel: measured.kernel, full: pairs.count >= measurement.replicates,
                    before: median(pairs.map(\.0)), after: median(pairs.map(\.1)), logs: pairs.map { log($1 / $0) }))
        }
        for id in comparable where !measurement.cases.contains(where: { $0.id == id }) {
            notCompared[id] = "not timed side by side"
        }
        let thresholdLog = log(1 + policy.latencyThreshold)
        let alpha = policy.alpha
        var findings: [GateFinding] = []

        // Cases: Benjamini–Hochberg, the largest k with p_(k) ≤ k/m · α rejects the k smallest.
        let m = Double(tests.count)
        let ranked = tests.indices.sorted { tests[$0].t.p < tests[$1].t.p }
        var rejected = 0
        for (rank, index) in ranked.enumerated() where tests[index].t.p <= Double(rank + 1) / m * alpha { rejected = rank + 1 }
        let significant = Set(ranked.prefix(rejected).map { tests[$0].id })
        var caseRows: [LatencySummary.Row] = []
        for test in tests {
            let noise = test.t.detectable(at: alpha / m)
            let floor = log((test.before + policy.latencyFloorMicroseconds) / test.before)
            let limit = exp(max(thresholdLog, noise, floor))
            caseRows.append(LatencySummary.Row(subject: test.id, before: test.before, after: test.after, ratio: test.ratio, limit: limit, p: test.t.p))
            if significant.contains(test.id) && test.ratio > 1 + policy.latencyThreshold
                && test.after - test.before > policy.latencyFloorMicroseconds
            {
                findings.append(
                    GateFinding(
                        .latencyRegression, test.id,
                        String(
                            format: "p50 %.1f µs → %.1f µs, %.2f× over %d replicate pairs side by side (limit %.2f×); paired t p = %.2g, Benjamini–Hochberg at %g over %d cases",
                            test.before, test.after, test.ratio, test.logs.count, limit, test.t.p, alpha, tests.count)))
            }
        }

        // Families: per process pair, the mean log ratio of the family's fully measured cases, over
        // the pairs every member has: the shared replicates, and the confirmation pairs too when
        // the first pass suspected the whole family (confirmations time every suspect in the same
        // process pairs). Four replicates alone leave 3 degrees of freedom, and one noisy pair on a
        // loaded host then hides even a 3× family.
        let full = tests.filter(\.full)
        let kernels = Array(Set(full.map(\.kernel))).sorted()
        var familyTests: [(String, PairedT)] = []
        for kernel in kernels {
            let members = full.filter { $0.kernel == kernel }
            let shared = members.map(\.logs.count).min() ?? 0
            let perPair = (0..<shared).map { r in members.map { $0.logs[r] }.reduce(0, +) / Double(members.count) }
            familyTests.append((kernel, PairedT(perPair)))
        }
        let holm = familyTests.indices.sorted { familyTests[$0].1.p < familyTests[$1].1.p }
        var familyRejected = Set<String>()
        for (rank, index) in holm.enumerated() {
            guard familyTests[index].1.p <= alpha / Double(familyTests.count - rank) else { break }
            familyRejected.insert(familyTests[index].0)
        }
        var familyRows: [LatencySummary.Row] = []
        for (kernel, test) in familyTests {
            let limit = exp(max(thresholdLog, test.detectable(at: alpha / Double(familyTests.count))))
            let count = full.filter { $0.kernel == kernel }.count
            familyRows.append(LatencySummary.Row(subject: kernel, before: nil, after: nil, ratio: test.ratio, limit: limit, p: test.p))
            if familyRejected.contains(kernel) && test.ratio > 1 + policy.latencyThreshold {
                findings.append(
                    GateFinding(
                        .latencyRegression, "kernel \(kernel)",
                        String(
                            format: "the %d %@ cases are %.2f× slower (geometric mean over %d process pairs side by side; limit %.2f×); paired t p = %.2g, Holm at %g over %d kernels",
                            count, kernel, test.ratio, Int(test.degrees) + 1, limit, test.p, alpha, familyTests.count)))
            }
        }

        // The battery: per replicate, the median log ratio over every fully measured case.
        let perReplicate = full.isEmpty ? [] : (0..<measurement.replicates).map { r in median(full.map { $0.logs[r] }) }
        let battery = PairedT(perReplicate)
        let batteryLimit = exp(max(log(1 + policy.pairedGlobalLatencyThreshold), battery.detectable(at: alpha)))
        if battery.p <= alpha && battery.ratio > 1 + policy.pairedGlobalLatencyThreshold {
            findings.append(
                GateFinding(
                    .latencyRegression, "battery",
                    String(
                        format: "the median case is %.2f× slower (over %d cases and %d replicate pairs side by side; limit %.2f×); paired t p = %.2g < %g",
                        battery.ratio, full.count, measurement.replicates, batteryLimit, battery.p, alpha)))
        }
        let rule = String(
            format: "latency: interleaved A/B, %d fresh worker processes per side alternating; one-sided paired t tests on log ratios of "
                + "per-process medians: a case at Benjamini–Hochberg %g over the cases and slower by more than %g%% and %g µs, a kernel "
                + "family (over the process pairs all its cases share) at Holm %g over the families and slower by more than %g%%, the battery's "
                + "median case at %g and slower by more than %g%%.",
            measurement.replicates, alpha, policy.latencyThreshold * 100, policy.latencyFloorMicroseconds, alpha,
            policy.latencyThreshold * 100, alpha, policy.pairedGlobalLatencyThreshold * 100)
            + (measurement.confirmed.isEmpty
                ? ""
                : " The \(measurement.confirmed.count) case\(measurement.confirmed.count == 1 ? "" : "s") the first pass suggested slower "
                    + "(p < 0.05, over 5 %) were timed in \(measurement.confirmations) more fresh process pairs; their tests use every pair.")
        let summary = LatencySummary(
            method: .paired, fallbackReason: nil, rule: rule, replicates: measurement.replicates, seconds: measurement.seconds,
            battery: LatencySummary.Row(subject: "battery", before: nil, after: nil, ratio: battery.ratio, limit: batteryLimit, p: battery.p),
            families: familyRows, cases: caseRows, notCompared: notCompared)
        return (findings, summary)
    }

    private struct CaseTest {
        var id, kernel: String
        /// Every replicate pair of the shared processes measured, so the case joins its family's
        /// and the battery's test (on those pairs only; confirmations are per case).
        var full: Bool
        var before, after: Double
        var logs: [Double]
        var t: PairedT { PairedT(logs) }
        var ratio: Double { t.ratio }
    }

    /// A one-sided one-sample t test that the mean log ratio is above zero.
    struct PairedT {
        var mean: Double
        var standardError: Double
        var degrees: Double
        /// exp(mean log ratio): the geometric mean ratio.
        var ratio: Double { exp(mean) }
        var p: Double

        init(_ logs: [Double]) {
            let n = Double(logs.count)
            guard logs.count >= 2 else {
                (mean, standardError, degrees, p) = (logs.first ?? 0, .infinity, 1, 1)
                return
            }
            let mean = logs.reduce(0, +) / n
            let variance = logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
            self.mean = mean
            // Identical log ratios (a timer's quantum) carry no evidence of noise; the floor keeps
            // the statistic finite.
            standardError = max(variance.squareRoot(), 1e-9) / n.squareRoot()
            degrees = n - 1
            p = StudentT.upperTail(mean / standardError, df: degrees)
        }

        /// The log ratio this test calls significant at `level` (one-sided): what it can detect.
        func detectable(at level: Double) -> Double {
            guard standardError.isFinite else { return .infinity }
            return StudentT.critical(min(level, 0.499), df: degrees) * standardError
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
