import CertifyTrust
import ArgumentParser
import CertifyReport
import Foundation

/// A certificate's validity window on the command line: `--days`, or explicit ISO 8601 bounds.
struct ValidityOptions: ParsableArguments {
    @Option(help: "Days the certificate is valid from now (ignored when --not-after is given).")
    var days: Int?

    @Option(name: .customLong("not-before"), help: ArgumentHelp("Start of validity, ISO 8601 UTC (default: five minutes ago).", valueName: "time"))
    var notBefore: String?

    @Option(name: .customLong("not-after"), help: ArgumentHelp("End of validity, ISO 8601 UTC.", valueName: "time"))
    var notAfter: String?

    /// The window, `defaultDays` long unless the options say otherwise.
    func window(defaultDays: Int) throws -> (Date, Date) {
        // Back-dated by five minutes so that a machine whose clock is slightly behind accepts it.
        let start = try notBefore.map { try parse($0, "--not-before") } ?? Date(timeIntervalSinceNow: -300)
        let end = try notAfter.map { try parse($0, "--not-after") }
            ?? start.addingTimeInterval(Double(days ?? defaultDays) * 86400)
        guard end > start else {
            throw ValidationError("the certificate would expire before it starts (--not-after is not after --not-before)")
        }
        return (start, end)
    }

    private func parse(_ text: String, _ option: String) throws -> Date {
        guard let date = ReportTime.date(text) else {
            throw ValidationError("\(option) '\(text)' is not an ISO 8601 UTC time such as 2026-01-31T00:00:00Z")
        }
        return date
    }
}
