import CertifyBattery
import Foundation

extension HTMLRenderer {
    /// The heading of `latencyChart`, which says how to read it.
    static let latencyChartHeading =
        "Latency distribution (µs, log scale): line min to max, box p50 to p90, bar on to p99; "
        + "blue tick = p50 budget, dashed = p99 budget"

    /// Styles `latencyChart` shares between its rows, so that a row carries only coordinates.
    static let latencyChartStyle =
        ".d .w{stroke:#8c959f}.d .b{fill:#2da44e}.d .t{fill:#2da44e;opacity:.45}.d .x .b,.d .x .t{fill:#cf222e}"
        + ".d .m{stroke:#1b1f24;stroke-width:2}.d .g{stroke:#0969da;stroke-width:2}.d .n{stroke-dasharray:3 2}"

    /// Per case, the distribution of the kept timed loop on one log-scale axis (min, p50, p90, p99
    /// and max from its statistics, which hold whatever way the samples themselves are stored)
    /// with the profile's p50 and p99 budgets; a case not timed says so, or shows the outcome that
    /// kept it from being timed.
    static func latencyChart(_ cases: [CaseResult]) -> String {
        let axis = LogAxis(
            values: cases.compactMap(\.latency).flatMap { latency in
                [latency.statistics.minMicroseconds, latency.statistics.maxMicroseconds]
                    + [latency.budgetP50Microseconds, latency.budgetP99Microseconds].compactMap { $0 }
            }, fallback: (1, 10))
        let (labelWidth, rowHeight) = (LogAxis.labelWidth, LogAxis.rowHeight)
        func x(_ v: Double) -> String { f(axis.x(v)) }
        let height = rowHeight * Double(cases.count) + 30
        var svg = axis.open(height: height, attributes: " class=\"d\"")
        for (index, c) in cases.enumerated() {
            let y = Double(index) * rowHeight
            svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + 12))\" text-anchor=\"end\">\(escape(c.id))</text>"
            guard let latency = c.latency, latency.statistics.count > 0 else {
                // A case that passed without figures was not timed; any other outcome says why there are none.
                let note = c.latency != nil ? "no samples" : c.outcome == .passed ? "not timed" : c.outcome.rawValue
                svg += "<text x=\"\(f(labelWidth + 4))\" y=\"\(f(y + 12))\" fill=\"#6e7781\">\(note)</text>\n"
                continue
            }
            let s = latency.statistics
            let budgets = [("p50", latency.budgetP50Microseconds), ("p99", latency.budgetP99Microseconds)].compactMap { name, value in
                value.map { "\(name) \(Format.microseconds($0))" }
            }
            let title =
                "\(c.id): min \(Format.microseconds(s.minMicroseconds)), p50 \(Format.microseconds(s.p50Microseconds)), "
                + "p90 \(Format.microseconds(s.p90Microseconds)), p99 \(Format.microseconds(s.p99Microseconds)), "
                + "max \(Format.microseconds(s.maxMicroseconds)) over \(s.count) calls"
                + (budgets.isEmpty ? "" : "; budget \(budgets.joined(separator: ", "))")
            svg += "<g\(c.outcome == .passed ? "" : " class=\"x\"")><title>\(escape(title))</title>"
            svg += "<line class=\"w\" x1=\"\(x(s.minMicroseconds))\" y1=\"\(f(y + 8))\" x2=\"\(x(s.maxMicroseconds))\" y2=\"\(f(y + 8))\"/>"
            svg += "<rect class=\"b\" x=\"\(x(s.p50Microseconds))\" y=\"\(f(y + 3))\" width=\"\(span(x(s.p50Microseconds), x(s.p90Microseconds)))\" height=\"10\"/>"
            svg += "<rect class=\"t\" x=\"\(x(s.p90Microseconds))\" y=\"\(f(y + 5))\" width=\"\(span(x(s.p90Microseconds), x(s.p99Microseconds)))\" height=\"6\"/>"
            svg += "<line class=\"m\" x1=\"\(x(s.p50Microseconds))\" y1=\"\(f(y + 2))\" x2=\"\(x(s.p50Microseconds))\" y2=\"\(f(y + 14))\"/></g>"
            if let budget = latency.budgetP50Microseconds {
                svg += "<line class=\"g\" x1=\"\(x(budget))\" y1=\"\(f(y))\" x2=\"\(x(budget))\" y2=\"\(f(y + rowHeight))\"/>"
            }
            if let budget = latency.budgetP99Microseconds {
                svg += "<line class=\"g n\" x1=\"\(x(budget))\" y1=\"\(f(y))\" x2=\"\(x(budget))\" y2=\"\(f(y + rowHeight))\"/>"
            }
            svg += "\n"
        }
        return svg + "</svg>\n"
    }

    /// The width from `from` to `to` (formatted x coordinates), at least 1 so a narrow box still shows.
    private static func span(_ from: String, _ to: String) -> String {
        f(max((Double(to) ?? 0) - (Double(from) ?? 0), 1))
    }
}
