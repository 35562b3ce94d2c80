import Foundation

/// Number and list formatting shared by the level reasons and the renderers.
package enum Format {
    /// Three significant digits, scientific outside [1e-3, 1e5); "inf"/"nan" for non-finite.
    package static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e-3 && magnitude < 1e5 {
            return String(format: "%.3g", x)
        }
        return String(format: "%.2e", x)
    }

    /// Microseconds with a unit, switching to ms above 10 ms.
    package static func microseconds(_ us: Double) -> String {
        if us.isNaN { return "-" }
        if us >= 10_000 { return String(format: "%.1f ms", us / 1000) }
        return String(format: "%.1f µs", us)
    }

    /// The first few items and a count of the rest.
    package static func list(_ items: [String], limit: Int = 3) -> String {
        guard items.count > limit else { return items.joined(separator: ", ") }
        return items.prefix(limit).joined(separator: ", ") + " and \(items.count - limit) more"
    }
}
