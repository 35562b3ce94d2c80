import Foundation

/// Fixed-format UTC timestamps for reports and folder names.
package enum Timestamp {
    package static func iso8601(_ date: Date) -> String {
        formatted(date, "yyyy-MM-dd'T'HH:mm:ss'Z'")
    }

    package static func compact(_ date: Date) -> String {
        formatted(date, "yyyyMMdd'T'HHmmss'Z'")
    }

    private static func formatted(_ date: Date, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: date)
    }
}

extension Timestamp {
    /// The date an `iso8601` string stands for.
    package static func date(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return formatter.date(from: text)
    }
}
