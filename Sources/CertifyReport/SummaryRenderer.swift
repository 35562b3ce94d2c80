import CertifyBattery
import CertifyNumerics
import Foundation

/// The terminal summary: every case with its figures and verdict, the level with the reasons a
/// higher one was not reached, and a verdict per tier.
package enum SummaryRenderer {
    package static func render(_ statement: Statement) -> String {
        let p = statement.predicate
        var lines: [String] = []
        lines.append(
            "certify \(p.run.harnessVersion) · battery \(p.run.batteryVersion) · suite \(p.run.suite.rawValue) · seed \(p.run.seedDescription)")
        lines.append("chip     \(p.chip.vendor) \(p.chip.family) \(p.chip.model) (\(p.chip.profile))")
        lines.append(
            "backend  \(p.backend.name) \(p.backend.version), ABI \(p.backend.abiVersion), \(p.backend.libraryPath)")
        let facts = ReportFacts(statement)
        lines.append("device   \(facts.device)")
        if let implementation = p.backend.implementation { lines.append("impl     \(implementation)") }
        lines.append("host     \(facts.host)")
        if let shard = p.shard {
            lines.append(
                "shard    \(shard.index)/\(shard.count) on \(shard.hostname): \(p.cases.count) of the suite's \(shard.suiteCases) cases, "
                    + "\(Format.number((shard.costShare * 1000).rounded() / 10))% of its estimated cost; "
                    + "the level and tiers below judge this shard's cases only (certify merge judges the suite)")
        }
        if let shards = p.shards {
            lines.append(
                "merged   \(shards.count) shards: "
                    + shards.map { "\($0.index)/\($0.count) on \($0.hostname) (report sha256:\($0.reportSHA256.prefix(16))…)" }
                    .joined(separator: ", "))
        }
        lines.append("")
        lines.append(contentsOf: table(p.cases))
        lines.append("")
        lines.append(facts.caseCounts)
        if let incomplete = facts.incomplete {
            lines.append("")
            lines.append(incomplete)
        }
        lines.append("")
        if let clock = p.cases.compactMap(\.latency).first?.clock {
            let cold = p.cases.contains { $0.latency?.coldCache == true } ? "; caches flushed between timed calls of memory-bound cases" : ""
            let minimum = p.run.minTimeMilliseconds.flatMap { $0 > 0 ? " and \(Format.number($0)) ms" : nil } ?? ""
            let soak = p.run.soak.flatMap { $0 > 0 ? "; soak: \($0) extra executions per case" : nil } ?? ""
            lines.append(
                "latency: \(clock.rawValue) clock; warm-up \(p.run.warmup), then at least \(p.run.iterations) timed calls\(minimum) per case\(p.run.capNote)\(cold)\(soak)")
        }
        let cached = p.cases.compactMap(\.oracleCached)
        if !cached.isEmpty {
            let hits = cached.filter { $0 }.count
            lines.append("oracle: \(hits) of \(cached.count) cases' references read from the oracle cache, \(cached.count - hits) computed")
        }
        if let check = p.levelContext.modelCheck { lines.append(check.headline) }
        let unstable = ReportFacts.unstableLatencies(p.cases)
        if !unstable.isEmpty {
            lines.append("unstable latency (\(ReportFacts.unstableExplanation)):")
            lines.append(contentsOf: unstable.map { "  \($0)" })
        }
        lines.append("Level reached: \(p.level.name)")
        for gap in p.level.gaps {
            lines.append("  \(gap.level.name) not reached:")
            for reason in gap.reasons { lines.append("    - \(reason)") }
        }
        if !p.tiers.isEmpty {
            lines.append("")
            lines.append("Tiers:")
            for tier in p.tiers {
                let verdict = tier.qualified ? "QUALIFIED" : "NOT QUALIFIED"
                lines.append("  \(tier.name) (\(tier.id), \(tier.requirements)): \(verdict)")
                if !tier.qualified {
                    for reason in tier.reasons { lines.append("    - \(reason)") }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func table(_ cases: [CaseResult]) -> [String] {
        let header = ["case", "outcome", "max abs", "max rel", "max ulp", "err/tol", "worst idx", "p50", "p99", "rcv", "n", "throughput", "util", "p50 budget"]
        let rows: [[String]] = cases.map { c in
            let m = c.standard
            return [
                c.id,
                c.outcome.rawValue.uppercased(),
                m.map { Format.number($0.maxAbsError) } ?? "-",
                m.map { Format.number($0.maxRelError) } ?? "-",
                m.map { Format.number($0.maxULP) } ?? "-",
                c.standardRatio.map(Format.number) ?? "-",
                m?.worstIndex.map(String.init) ?? "-",
                c.latency.map { Format.microseconds($0.p50Microseconds) } ?? "-",
                c.latency.map { Format.microseconds($0.p99Microseconds) } ?? "-",
                c.latency.map { Format.number($0.statistics.robustCoefficientOfVariation) + ($0.unstable ? " UNSTABLE" : "") } ?? "-",
                c.latency.map { String($0.statistics.count) } ?? "-",
                c.throughput.map { "\(Format.number($0.value)) \($0.unit.rawValue)" } ?? "-",
                c.throughput?.utilisation.map { "\(Format.number($0 * 100))%" } ?? "-",
                c.latency?.budgetP50Microseconds.map(Format.microseconds) ?? "-",
            ]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index < 2 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        var lines = [line(header), line(widths.map { String(repeating: "-", count: $0) })]
        lines.append(contentsOf: rows.map(line))
        for c in cases where c.outcome != .passed && c.outcome != .failed {
            lines.append("  \(c.id): \(c.message ?? "")")
        }
        for c in cases {
            if let violation = c.memoryViolation, violation != c.message { lines.append("  \(c.id): memory violation: \(violation)") }
        }
        return lines
    }
}
