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
        lines.append("")
        lines.append(headline(verdict))
        return lines.joined(separator: "\n") + "\n"
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
        let policy = verdict.policy
        text += String(
            format: "<sub>Error growth limit %g×; latency: one-sided Mann–Whitney U at α %g (Bonferroni over the cases), "
                + "p50 up by more than %g%% and %g µs.",
            policy.errorGrowth, policy.alpha, policy.latencyThreshold * 100, policy.latencyFloorMicroseconds)
        text += " Failing cases re-run in a fresh worker: \(verdict.rerun ? "yes" : "no").</sub>\n"
        return text
    }

    /// JUnit XML: one test case per finding, a failure for each failing kind; valid against the
    /// Jenkins xUnit schema junit-10.xsd, which requires `errors` on every `<testsuite>`.
    package static func junit(_ verdict: GateVerdict) -> String {
        let failures = verdict.findings.filter(\.kind.fails).count
        let skipped = verdict.findings.filter { $0.kind == .skipped }.count
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text += "<testsuites name=\"certify gate\" tests=\"\(max(verdict.findings.count, 1))\" failures=\"\(failures)\" errors=\"0\">\n"
        text += "  <testsuite name=\"gate\" tests=\"\(max(verdict.findings.count, 1))\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
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
        text += "  </testsuite>\n</testsuites>\n"
        return text
    }

    private static func headline(_ verdict: GateVerdict) -> String {
        let failing = verdict.findings.filter(\.kind.fails).count
        let notes = verdict.findings.count - failing
        guard let worst = verdict.worst else {
            return "GATE PASSED: no regression" + (notes > 0 ? " (\(notes) note\(notes == 1 ? "" : "s"))" : "")
        }
        return "GATE FAILED: \(failing) regression\(failing == 1 ? "" : "s"), the most severe \(worst.rawValue)"
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
