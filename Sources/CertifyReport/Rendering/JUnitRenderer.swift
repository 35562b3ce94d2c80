import CertifyBattery
import Foundation

/// junit.xml: one testsuite per kernel, one testcase per case; `<skipped/>` where the backend
/// does not support the case or it was not run, `<failure>` with the figures, `<error>` with the
/// backend's message (an error, a crash, a hang, a lie); then a `certify.verdict` suite whose
/// test cases are the level (failed when no level was reached) and each tier's verdict (failed
/// when NOT QUALIFIED, with the reasons). Every count attribute is the count of its elements, so
/// a consumer that reads the attributes (junitparser) and one that counts elements (junit2html)
/// agree; the document validates against the Jenkins xUnit schema junit-10.xsd
/// (`Tests/Fixtures/junit/junit-10.xsd`): no `skipped` on `<testsuites>`, times to the millisecond.
package enum JUnitRenderer {
    /// The JUnit XML document for `statement`.
    package static func render(_ statement: Statement) -> String {
        let facts = ReportFacts(statement)
        let p = facts.predicate
        var suites: [Suite] = facts.kernels.map { kernel in
            Suite(name: "certify.\(kernel.name)", time: seconds(kernel.cases), cases: kernel.cases.map { c in
                TestCase(classname: "certify.\(kernel.name)", name: c.id, time: seconds([c]), result: result(c))
            })
        }
        if let check = p.levelContext.modelCheck {
            suites.append(
                Suite(name: "certify.model", time: 0, cases: [
                    TestCase(classname: "certify.model", name: "model-level check", time: 0, result: result(check))
                ]))
        }
        suites.append(Suite(name: "certify.verdict", time: 0, cases: verdicts(facts)))
        let timestamp = localTimestamp(p.run.startedAt)
        let properties: [(String, String)] = [
            ("chip", facts.chip), ("backend", facts.backend), ("level", p.level.name),
            ("battery", p.run.batteryVersion), ("suite", p.run.suite.rawValue), ("seed", String(p.run.seed)),
            ("complete", p.complete ? "true" : "false"),
        ]
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"certify\" tests=\"\(suites.map(\.cases.count).reduce(0, +))\" "
            + "failures=\"\(suites.map(\.failures).reduce(0, +))\" errors=\"\(suites.map(\.errors).reduce(0, +))\" "
            + "time=\"\(time(suites.map(\.time).reduce(0, +)))\">\n"
        for suite in suites {
            xml += "  <testsuite name=\"\(attribute(suite.name))\" tests=\"\(suite.cases.count)\" failures=\"\(suite.failures)\" "
                + "errors=\"\(suite.errors)\" skipped=\"\(suite.skipped)\" time=\"\(time(suite.time))\" "
                + "timestamp=\"\(attribute(timestamp))\">\n"
            xml += "    <properties>\n"
            for (name, value) in properties {
                xml += "      <property name=\"\(name)\" value=\"\(attribute(value))\"/>\n"
            }
            xml += "    </properties>\n"
            for c in suite.cases {
                xml += "    <testcase classname=\"\(attribute(c.classname))\" name=\"\(attribute(c.name))\" time=\"\(time(c.time))\""
                switch c.result {
                case .passed:
                    xml += "/>\n"
                case .skipped(let message):
                    xml += ">\n      <skipped message=\"\(attribute(message))\"/>\n    </testcase>\n"
                case .error(let type, let message):
                    xml += ">\n      <error message=\"\(attribute(message))\" type=\"\(attribute(type))\"/>\n    </testcase>\n"
                case .failure(let type, let message, let text):
                    xml += ">\n      <failure message=\"\(attribute(message))\" type=\"\(attribute(type))\">\(attribute(text))</failure>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    private enum Result {
        case passed
        case skipped(String)
        case error(type: String, message: String)
        case failure(type: String, message: String, text: String)
    }

    private struct TestCase {
        var classname: String
        var name: String
        var time: Double
        var result: Result
    }

    private struct Suite {
        var name: String
        var time: Double
        var cases: [TestCase]

        var failures: Int { cases.filter { if case .failure = $0.result { true } else { false } }.count }
        var errors: Int { cases.filter { if case .error = $0.result { true } else { false } }.count }
        var skipped: Int { cases.filter { if case .skipped = $0.result { true } else { false } }.count }
    }

    private static func result(_ c: CaseResult) -> Result {
        switch c.outcome {
        case .passed: .passed
        case .unsupported: .skipped(c.message ?? "not supported by the backend")
        case .notRun: .skipped(c.message ?? "not run")
        case .error: .error(type: "backend-error", message: c.message ?? "the backend returned an error")
        case .crashed, .timedOut, .lied: .error(type: c.outcome.rawValue, message: c.message ?? c.outcome.rawValue)
        case .untrustworthy: .error(type: "untrustworthy", message: c.message ?? "untrustworthy oracle output")
        case .failed: .failure(type: "tolerance", message: figures(c), text: figures(c))
        }
    }

    private static func result(_ check: ModelCheckRecord) -> Result {
        switch check.outcome {
        case .passed: .passed
        case .failed: .failure(type: "model-level", message: check.message ?? check.headline, text: check.headline)
        case .unsupported, .notRun: .skipped(check.headline)
        default: .error(type: check.outcome.rawValue, message: check.headline)
        }
    }

    /// The level (a failure when none was reached, as certify's exit status 1 says) and each tier.
    private static func verdicts(_ facts: ReportFacts) -> [TestCase] {
        let p = facts.predicate
        let incomplete = p.complete ? [] : ["INCOMPLETE: \(p.incompleteReason ?? "the run did not finish")"]
        let gaps = p.level.gaps.flatMap { gap in gap.reasons.map { "\(gap.level.name) not reached: \($0)" } }
        var cases = [
            TestCase(
                classname: "certify.verdict", name: "level: \(p.level.name)", time: 0,
                result: p.level.reached.rawValue == 0
                    ? .failure(type: "level", message: headline("no certification level reached", incomplete + gaps), text: (incomplete + gaps).joined(separator: "\n"))
                    : .passed)
        ]
        for tier in p.tiers {
            let reasons = incomplete + tier.reasons
            cases.append(TestCase(
                classname: "certify.verdict", name: "tier \(tier.id): \(tier.name)", time: 0,
                result: tier.qualified
                    ? .passed
                    : .failure(type: "tier", message: headline(facts.tierLine(tier), reasons), text: reasons.joined(separator: "\n"))))
        }
        return cases
    }

    /// A failure's one-line message: what failed and the first reason; the element's text has them all.
    private static func headline(_ what: String, _ reasons: [String]) -> String {
        guard let first = reasons.first else { return what }
        return "\(what): \(first)" + (reasons.count > 1 ? " (and \(reasons.count - 1) more)" : "")
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

    /// The timed calls of `cases`, in seconds.
    private static func seconds(_ cases: [CaseResult]) -> Double {
        cases.reduce(0.0) { sum, c in
            sum + Double(c.latency.map { $0.samples.reduce(0, +) + $0.firstCallNanoseconds } ?? 0)
        } / 1e9
    }

    /// Seconds to the millisecond: junit-10.xsd's SUREFIRE_TIME allows three decimals.
    private static func time(_ seconds: Double) -> String {
        String(format: "%.3f", seconds)
    }

    /// Text safe in a double-quoted XML attribute or element content; drops characters XML 1.0 forbids.
    private static func attribute(_ text: String) -> String {
        Markup.escape(text, newline: "&#10;", apostrophe: "'")
    }
}
