import Foundation

/// What the gate could see of latency: how it measured, the rule it applied, and for the battery,
/// each kernel family and each case the ratio it measured and the limit a slowdown had to exceed.
package struct LatencySummary: Sendable, Codable, Equatable {
    /// How the two sides were measured.
    package enum Method: String, Sendable, Codable {
        /// Both libraries timed side by side in alternating fresh workers on this host.
        case paired = "interleaved-a-b"
        /// The samples the two reports recorded, each from one worker at a different time.
        case reports = "report-against-report"
    }

    /// One compared subject: a case, a kernel family or the battery.
    package struct Row: Sendable, Codable, Equatable {
        package var subject: String
        /// Median p50 of the baseline and the candidate, microseconds (nil for a family).
        package var before: Double?
        package var after: Double?
        /// The candidate's latency over the baseline's.
        package var ratio: Double
        /// The ratio above which this run flags a slowdown of this subject: the effect threshold,
        /// the microsecond floor and what the noise measured here lets the test see, whichever
        /// is largest.
        package var limit: Double
        /// The test's one-sided p value, when a test was made.
        package var p: Double?

        /// A limit that is not finite (too few replicates to test) is kept as `untestable`, so that
        /// the signed verdict stays valid JSON.
        package init(subject: String, before: Double?, after: Double?, ratio: Double, limit: Double, p: Double?) {
            (self.subject, self.before, self.after, self.p) = (subject, before, after, p)
            self.ratio = ratio.isFinite ? ratio : LatencySummary.untestable
            self.limit = limit.isFinite ? min(limit, LatencySummary.untestable) : LatencySummary.untestable
        }
    }

    /// The limit of a subject with too few measurements to test: no slowdown would be seen.
    package static let untestable = 1e6

    package var method: Method
    /// Why the gate fell back to comparing reports (nil for a paired measurement).
    package var fallbackReason: String?
    /// The rule that decided, in words (the Markdown footer).
    package var rule: String
    /// Worker processes per side (paired) and the measurement's wall time, seconds.
    package var replicates: Int?
    package var seconds: Double?
    package var battery: Row
    package var families: [Row]
    package var cases: [Row]
    /// Cases that pass in both reports but were not compared, with the reason.
    package var notCompared: [String: String]

    package init(
        method: Method, fallbackReason: String?, rule: String, replicates: Int?, seconds: Double?, battery: Row, families: [Row],
        cases: [Row], notCompared: [String: String]
    ) {
        (self.method, self.fallbackReason, self.rule, self.replicates, self.seconds) = (method, fallbackReason, rule, replicates, seconds)
        (self.battery, self.families, self.cases, self.notCompared) = (battery, families, cases, notCompared)
    }

    /// The smallest slowdown of a single case this run could detect (its most sensitive case).
    package var smallestCaseLimit: Double? { cases.map(\.limit).min() }

    /// The median of the cases' limits: what a slowdown of a typical single case had to exceed.
    package var medianCaseLimit: Double? {
        let sorted = cases.map(\.limit).sorted()
        return sorted.isEmpty ? nil : sorted[sorted.count / 2]
    }

    /// One sentence on what this run could detect, with the weaker power of the fallback stated.
    package var power: String {
        var text = String(format: "smallest detectable slowdown: %.2f× for every kernel at once", battery.limit)
        if let best = smallestCaseLimit, let typical = medianCaseLimit {
            text += String(format: ", %.2f× for one case (%.2f× for the median case)", best, typical)
        }
        switch method {
        case .paired:
            text += String(format: "; measured side by side, %d worker processes per side", replicates ?? 0)
            if let seconds { text += String(format: " in %.0f s", seconds) }
        case .reports:
            text += "; report against report: each side is one worker process at a different time, whose memory placement"
                + " alone moves a case 2–5× on a shared host, so this is much weaker than a side-by-side measurement"
            if let fallbackReason { text += " (not measured side by side: \(fallbackReason))" }
        }
        return text
    }
}
