import Foundation

/// Renders a gate verdict for a terminal, a pull-request comment and CI test reports.
package enum GateRenderer {
    /// A plain-text table for the terminal: one row per finding, then the verdict.
    package static func table(_ verdict: GateVerdict) -> String {
        var lines = [
            "baseline   \(verdict.baseline.envelope) (\(verdict.baseline.level), \(verdict.baseline.backend))",
            "candidate  \(verdict.candidate.envelope) (\(verdict.candidate.level), \(verdict.candidate.backend))",
        ]
        if verdict.findings.isEmpty {
            lines.append("no findings")
        } else {
            let kindWidth = verdict.findings.map(\.kind.rawValue.count).max() ?? 0
            let subjectWidth = verdict.findings.map(\.subject.count).max() ?? 0
            lines.append("")
            lines.append(pad("FINDING", kindWidth) + "  " + pad("CASE", subjectWidth) + "  DETAIL")
            for finding in verdict.findings {
                lines.append(pad(finding.kind.rawValue, kindWidth) + "  " + pad(finding.subject, subjectWidth) + "  " + finding.detail)
            }
        }
        if let latency = verdict.latency {
            lines.append("")
            lines += latencyTable(latency)
        }
        lines.append("")
        lines.append(headline(verdict))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The latency section: how it was measured and what it could detect, then the battery, each
    /// kernel family and each case with its ratio and the limit a slowdown had to exceed.
    static func latencyTable(_ latency: LatencySummary) -> [String] {
        var lines = ["latency  \(latency.method.rawValue): \(latency.power)"]
        let rows = [latency.battery] + latency.families.map { row in var row = row; row.subject = "kernel \(row.subject)"; return row } + latency.cases
        let width = max(rows.map(\.subject.count).max() ?? 0, 7)
        lines.append(pad("SUBJECT", width) + "  " + ["BASELINE", "CANDIDATE", "RATIO", "LIMIT"].map { pad($0, 10) }.joined(separator: "  ") + "  P")
        for row in rows {
            let flagged = row.ratio > row.limit
            let cells = [micro(row.before), micro(row.after), String(format: "%.2f×", row.ratio), String(format: "%.2f×", row.limit)]
            lines.append(
                pad(row.subject, width) + "  " + cells.map { pad($0, 10) }.joined(separator: "  ") + "  "
                    + (row.p.map { String(format: "%.2g", $0) } ?? "-") + (flagged ? "  over the limit" : ""))
        }
        for (id, reason) in latency.notCompared.sorted(by: { $0.key < $1.key }) {
            lines.append(pad(id, width) + "  not compared: \(reason)")
        }
        return lines
    }

    /// A Markdown summary fit for a pull-request comment.
    package static func markdown(_ verdict: GateVerdict) -> String {
        var text = "## certify gate: \(verdict.passed ? "PASSED" : "FAILED")\n\n"
        text += "| | report | level | backend |\n|---|---|---|---|\n"
        text += "| baseline | `\(verdict.baseline.envelope)` | \(verdict.baseline.level) | \(cell(verdict.baseline.backend)) |\n"
        text += "| candidate | `\(verdict.candidate.envelope)` | \(verdict.candidate.level) | \(cell(verdict.candidate.backend)) |\n\n"
        text += headline(verdict) + "\n\n"
        if !verdict.findings.isEmpty {
            text += "| finding | case | detail |\n|---|---|---|\n"
            for finding in verdict.findings {
                let mark = finding.kind.fails ? "❌ " : ""
                text += "| \(mark)\(finding.kind.rawValue) | `\(finding.subject)` | \(cell(finding.detail)) |\n"
            }
            text += "\n"
        }
        if let latency = verdict.latency {
            text += "**Latency** (\(latency.method.rawValue)): \(cell(latency.power)).\n\n"
            text += "<details><summary>Ratio and limit per kernel family and case</summary>\n\n"
            text += "| subject | baseline p50 | candidate p50 | ratio | limit | p |\n|---|---|---|---|---|---|\n"
            let rows = [latency.battery] + latency.families.map { row in var row = row; row.subject = "kernel \(row.subject)"; return row } + latency.cases
            for row in rows {
                let mark = row.ratio > row.limit ? "⚠️ " : ""
                text += "| \(mark)`\(row.subject)` | \(micro(row.before)) | \(micro(row.after)) | \(String(format: "%.2f×", row.ratio)) | "
                    + "\(String(format: "%.2f×", row.limit)) | \(row.p.map { String(format: "%.2g", $0) } ?? "-") |\n"
            }
            for (id, reason) in latency.notCompared.sorted(by: { $0.key < $1.key }) {
                text += "| `\(id)` | | | | | not compared: \(cell(reason)) |\n"
            }
            text += "\n</details>\n\n"
        }
        let policy = verdict.policy
        text += String(
            format: "<sub>Error growth: error / standard tolerance grew more than %g×, judged where the baseline's is at least %g. ",
            policy.errorGrowth, policy.negligibleErrorRatio)
        text += cell(verdict.latency?.rule ?? "latency: no case was timed in both reports.")
        text += " Failing cases re-run in a fresh worker: \(verdict.rerun ? "yes" : "no"). "
        text += "The exit status is the most specific failing finding's: new-failure 32, support-lost 33, level-lowered 30, "
            + "tier-lost 31, error-growth 34, latency-regression 35, in that order.</sub>\n"
        return text
    }

    /// JUnit XML: one test case per finding, a failure for each failing kind; valid against the
    /// Jenkins xUnit schema junit-10.xsd, which requires `errors` on every `<testsuite>`.
    package static func junit(_ verdict: GateVerdict) -> String {
        let failures = verdict.findings.filter(\.kind.fails).count
        let skipped = verdict.findings.filter { $0.kind == .skipped }.count
        let latencyRows = verdict.latency.map { [$0.battery] + $0.cases } ?? []
        let tests = max(verdict.findings.count, 1) + latencyRows.count
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text += "<testsuites name=\"certify gate\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\">\n"
        text += "  <testsuite name=\"gate\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
        if let latency = verdict.latency {
            text += "    <properties>\n"
            text += "      <property name=\"latency.method\" value=\"\(latency.method.rawValue)\"/>\n"
            text += "      <property name=\"latency.battery.limit\" value=\"\(String(format: "%.3f", latency.battery.limit))\"/>\n"
            if let best = latency.smallestCaseLimit {
                text += "      <property name=\"latency.case.smallest-limit\" value=\"\(String(format: "%.3f", best))\"/>\n"
            }
            text += "      <property name=\"latency.power\" value=\"\(escape(latency.power))\"/>\n"
            text += "      <property name=\"latency.rule\" value=\"\(escape(latency.rule))\"/>\n"
            text += "    </properties>\n"
        }
        if verdict.findings.isEmpty {
            text += "    <testcase classname=\"gate\" name=\"no regression\"/>\n"
        }
        for finding in verdict.findings {
            let name = escape("\(finding.kind.rawValue) \(finding.subject)")
            text += "    <testcase classname=\"gate.\(finding.kind.rawValue)\" name=\"\(name)\">\n"
            if finding.kind.fails {
                text += "      <failure type=\"\(finding.kind.rawValue)\" message=\"\(escape(finding.detail))\"/>\n"
            } else if finding.kind == .skipped {
                text += "      <skipped message=\"\(escape(finding.detail))\"/>\n"
            } else {
                text += "      <system-out>\(escape(finding.detail))</system-out>\n"
            }
            text += "    </testcase>\n"
        }
        for row in latencyRows {
            let figures = String(format: "%.3f× (limit %.3f×)", row.ratio, row.limit)
            text += "    <testcase classname=\"gate.latency\" name=\"latency \(escape(row.subject))\">"
            text += "<system-out>\(escape(figures))</system-out></testcase>\n"
        }
        text += "  </testsuite>\n</testsuites>\n"
        return text
    }

    private static func headline(_ verdict: GateVerdict) -> String {
        let failing = verdict.findings.filter(\.kind.fails).count
        let notes = verdict.findings.count - failing
        guard let worst = verdict.worst else {
            return "GATE PASSED: no regression" + (notes > 0 ? " (\(notes) note\(notes == 1 ? "" : "s"))" : "")
        }
        return "GATE FAILED: \(failing) regression\(failing == 1 ? "" : "s"), exit \(worst.exitStatus.rawValue): \(worst.rawValue) decides"
    }

    private static func micro(_ value: Double?) -> String {
        value.map { String(format: "%.1f µs", $0) } ?? "-"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
