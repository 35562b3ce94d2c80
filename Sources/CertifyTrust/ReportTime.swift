import Foundation

/// The one timestamp format of signed reports: ISO 8601 UTC to the second, e.g. `2026-11-28T23:59:00Z`.
package enum ReportTime {
    /// `date` in the report format.
    package static func string(_ date: Date) -> String {
        formatter.string(from: date)
    }

    /// The date a report timestamp names, or nil if `text` is not in the report format.
    package static func date(_ text: String) -> Date? {
        formatter.date(from: text)
    }

    private static var formatter: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }
}
