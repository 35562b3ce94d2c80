import CertifyBattery
import Foundation

/// junit.xml: one testsuite per kernel, one testcase per case; `<skipped/>` where the backend
/// does not support the case, `<failure>` with the figures, `<error>` with the backend's message.
/// The subset GitLab and Jenkins both read.
package enum JUnitRenderer {
    /// The JUnit XML document for `statement`.
    package static func render(_ statement: Statement) -> String {
        let facts = ReportFacts(statement)
        let p = facts.predicate
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let total = p.cases.count
        xml += "<testsuites name=\"certify\" tests=\"\(total)\" failures=\"\(facts.counts[.failed] ?? 0)\" "
            + "errors=\"\(facts.counts[.error] ?? 0)\" skipped=\"\(facts.counts[.unsupported] ?? 0)\" "
            + "time=\"\(seconds(p.cases))\">\n"
        for kernel in facts.kernels {
            let counts = Dictionary(grouping: kernel.cases, by: \.outcome).mapValues(\.count)
            xml += "  <testsuite name=\"certify.\(attribute(kernel.name))\" tests=\"\(kernel.cases.count)\" "
                + "failures=\"\(counts[.failed] ?? 0)\" errors=\"\(counts[.error] ?? 0)\" skipped=\"\(counts[.unsupported] ?? 0)\" "
                + "time=\"\(seconds(kernel.cases))\" timestamp=\"\(attribute(localTimestamp(p.run.startedAt)))\">\n"
            xml += "    <properties>\n"
            for (name, value) in [
                ("chip", facts.chip), ("backend", facts.backend), ("level", p.level.name),
                ("battery", p.run.batteryVersion), ("suite", p.run.suite.rawValue), ("seed", String(p.run.seed)),
            ] {
                xml += "      <property name=\"\(name)\" value=\"\(attribute(value))\"/>\n"
            }
            xml += "    </properties>\n"
            for c in kernel.cases {
                xml += "    <testcase classname=\"certify.\(attribute(kernel.name))\" name=\"\(attribute(c.id))\" time=\"\(seconds([c]))\""
                switch c.outcome {
                case .passed:
                    xml += "/>\n"
                case .unsupported:
                    xml += ">\n      <skipped message=\"\(attribute(c.message ?? "not supported by the backend"))\"/>\n    </testcase>\n"
                case .error:
                    xml += ">\n      <error message=\"\(attribute(c.message ?? "the backend returned an error"))\" type=\"backend-error\"/>\n    </testcase>\n"
                case .crashed, .timedOut, .lied:
                    xml += ">\n      <error message=\"\(attribute(c.message ?? c.outcome.rawValue))\" type=\"\(c.outcome.rawValue)\"/>\n    </testcase>\n"
                case .notRun:
                    xml += ">\n      <skipped message=\"\(attribute(c.message ?? "not run"))\"/>\n    </testcase>\n"
                case .untrustworthy:
                    xml += ">\n      <error message=\"\(attribute(c.message ?? "untrustworthy oracle output"))\" type=\"untrustworthy\"/>\n    </testcase>\n"
                case .failed:
                    let text = figures(c)
                    xml += ">\n      <failure message=\"\(attribute(text))\" type=\"tolerance\">\(attribute(text))</failure>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    private static func figures(_ c: CaseResult) -> String {
        var parts: [String] = []
        if let m = c.standard {
            parts.append("max abs \(Format.number(m.maxAbsError)), max rel \(Format.number(m.maxRelError)), max ulp \(Format.number(m.maxULP))")
        }
        if let ratio = c.standardRatio { parts.append("err/tol \(Format.number(ratio))") }
        if let m = c.standard {
            if let index = m.worstIndex { parts.append("worst element \(index)") }
            parts.append("\(m.outOfTolerance) of \(m.count) elements out of tolerance")
        }
        if let r = c.repeatability, !r.withinTolerance {
            parts.append("repeated runs differ by \(Format.number(r.maxDifferenceRatio)) × tolerance")
        }
        if let message = c.message { parts.append(message) }
        return parts.isEmpty ? "outside tolerance" : parts.joined(separator: "; ")
    }

    /// JUnit's timestamp has no zone designator (Ant's schema); report times are UTC.
    private static func localTimestamp(_ utc: String) -> String {
        utc.hasSuffix("Z") ? String(utc.dropLast()) : utc
    }

    private static func seconds(_ cases: [CaseResult]) -> String {
        let nanoseconds = cases.reduce(0.0) { sum, c in
            sum + Double(c.latency.map { $0.samples.reduce(0, +) + $0.firstCallNanoseconds } ?? 0)
        }
        return String(format: "%.6f", nanoseconds / 1e9)
    }

    /// Text safe in a double-quoted XML attribute or element content; drops characters XML 1.0 forbids.
    private static func attribute(_ text: String) -> String {
        Markup.escape(text, newline: "&#10;", apostrophe: "'")
    }
}
