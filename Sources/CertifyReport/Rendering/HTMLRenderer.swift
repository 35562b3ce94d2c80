import CertifyBattery
import Foundation

/// report.html: one self-contained page (inline CSS and SVG, no script, no external resource)
/// with the summary, an error chart, a latency distribution chart and the per-case table.
package enum HTMLRenderer {
    /// The page for `statement`, UTF-8 HTML5; `root` is the root the signer's chain names, shown when given.
    package static func render(_ statement: Statement, root: String? = nil) -> String {
        let facts = ReportFacts(statement, root: root)
        let p = facts.predicate
        let missed = p.tiers.filter { !$0.qualified }
        // Green only for a level reached by a complete run that met every tier it was asked for.
        let badge = p.level.reached.rawValue == 0 ? "l0" : missed.isEmpty && p.complete ? "met" : "short"
        let shortfall = (missed.isEmpty ? [] : ["NOT QUALIFIED for tier\(missed.count == 1 ? "" : "s") \(missed.map(\.id).joined(separator: ", "))"])
            + (p.complete ? [] : ["INCOMPLETE"])
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Certification report: \(escape(facts.chip))</title>
            <style>
            body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#1b1f24}
            h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em}
            .level{font-size:1.3em;font-weight:600;padding:.4em .8em;border-radius:6px;display:inline-block}
            .l0{background:#fde2e1;color:#8a1c13}.met{background:#dcf3e2;color:#135c2b}.short{background:#fff3cd;color:#6b4f00}
            .untrusted,.incomplete{background:#fff3cd;border:1px solid #e0b400;padding:.5em .8em;border-radius:6px}
            table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .6em;border-bottom:1px solid #d8dee4;text-align:right}
            td:first-child,th:first-child,.left{text-align:left}th{background:#f3f5f7}td{white-space:nowrap}
            .passed{color:#135c2b}.failed,.error,.crashed,.timed-out,.lied,.untrustworthy{color:#b3261e;font-weight:600}
            .unsupported,.not-run{color:#6e7781}.unstable{color:#8a6100;font-weight:600}
            dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2em 1em}dt{font-weight:600}dd{margin:0}
            p,li,dd,code{overflow-wrap:anywhere}.scroll{overflow-x:auto}
            svg text{font:11px system-ui,sans-serif;fill:#1b1f24}
            \(latencyChartStyle)
            </style>
            </head>
            <body>
            <h1>Certification report: \(escape(facts.chip))</h1>
            <p class="level \(badge)">Level reached: \(escape(p.level.name))\(shortfall.map { " · " + escape($0) }.joined())</p>

            """
        if let incomplete = facts.incomplete {
            html += "<p class=\"incomplete\"><strong>\(escape(incomplete))</strong></p>\n"
        }
        if p.signer?.development ?? true {
            html += "<p class=\"untrusted\"><strong>UNTRUSTED:</strong> \(escape(facts.signature))</p>\n"
        }
        html += "<dl>\n"
        for (key, value) in [
            ("Chip", "\(facts.chip) (\(p.chip.profile))"), ("Backend", facts.backend), ("Device", facts.device),
        ] + (p.backend.implementation.map { [("Implementation", $0)] } ?? []) + [
            ("Host", facts.host),
            ("Battery", "\(p.run.batteryVersion), suite \(p.run.suite.rawValue), seed \(p.run.seedDescription)"),
            ("Date", "\(p.run.startedAt) to \(p.run.finishedAt)"), ("Signed by", facts.signature), ("Cases", facts.caseCounts),
        ] + (p.levelContext.modelCheck.map { [("Model-level check", $0.headline)] } ?? []) + facts.auditRows {
            html += "<dt>\(escape(key))</dt><dd>\(escape(value))</dd>\n"
        }
        html += "</dl>\n"
        if !p.tiers.isEmpty {
            html += "<h2>Tiers</h2>\n<ul>\n"
            for tier in p.tiers {
                html += "<li>\(escape(facts.tierLine(tier)))"
                if !tier.qualified {
                    html += "<ul>" + tier.reasons.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
                }
                html += "</li>\n"
            }
            html += "</ul>\n"
        }
        for gap in p.level.gaps {
            html += "<h2>\(escape(gap.level.name)) not reached</h2>\n<ul>\n"
            html += gap.reasons.map { "<li>\(escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        let unstable = ReportFacts.unstableLatencies(p.cases)
        if !unstable.isEmpty {
            html += "<h2>Unstable latency</h2>\n<p>No attempt timed these cases stably; \(escape(ReportFacts.unstableExplanation)).</p>\n<ul>\n"
            html += unstable.map { "<li>\(escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        html += "<h2>Error against tolerance (|error| / standard tolerance, log scale; ≤ 1 passes)</h2>\n"
        html += chart(
            p.cases.map { ($0.id, $0.standardRatio, $0.outcome) }, marker: 1, markerLabel: "tolerance", unit: "")
        html += "<h2>\(escape(latencyChartHeading))</h2>\n" + latencyChart(p.cases)
        html += "<h2>Cases</h2>\n<div class=\"scroll\"><table>\n<tr>" + ReportFacts.headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for c in p.cases {
            let cells = ReportFacts.cells(c)
            html += "<tr>" + cells.enumerated().map { index, cell in
                let outcome = c.latency?.unstable == true && c.outcome == .passed ? "unstable" : c.outcome.rawValue
                let cls = index == 3 ? " class=\"left \(outcome)\"" : index < 4 || index == cells.count - 1 ? " class=\"left\"" : ""
                return "<td\(cls)>\(escape(cell))</td>"
            }.joined() + "</tr>\n"
        }
        html += "</table></div>\n"
        let notes = p.cases.filter { $0.message != nil }
        if !notes.isEmpty {
            html += "<ul>\n" + notes.map { "<li><code>\(escape($0.id))</code>: \(escape($0.message ?? ""))</li>\n" }.joined() + "</ul>\n"
        }
        html += "<p>certify \(escape(p.run.harnessVersion))</p>\n</body>\n</html>\n"
        return html
    }

    /// A horizontal bar chart on a log scale; bars for missing values are left out.
    private static func chart(
        _ rows: [(id: String, value: Double?, outcome: CaseOutcome)], marker: Double?, markerLabel: String, unit: String
    ) -> String {
        let axis = LogAxis(values: rows.compactMap(\.value) + [marker].compactMap { $0 }, fallback: (1e-3, 1))
        let (labelWidth, rowHeight, x) = (LogAxis.labelWidth, LogAxis.rowHeight, axis.x)
        let height = rowHeight * Double(rows.count) + 30
        var svg = axis.open(height: height, attributes: "")
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight
            svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + 12))\" text-anchor=\"end\">\(escape(row.id))</text>"
            if let value = row.value, value > 0 {
                let color = row.outcome == .passed ? "#2da44e" : "#cf222e"
                svg += "<rect x=\"\(f(labelWidth))\" y=\"\(f(y + 3))\" width=\"\(f(max(x(value) - labelWidth, 1)))\" height=\"\(f(rowHeight - 5))\" fill=\"\(color)\"><title>\(escape(row.id)): \(Format.number(value))\(unit)</title></rect>"
            } else {
                svg += "<text x=\"\(f(labelWidth + 4))\" y=\"\(f(y + 12))\" fill=\"#6e7781\">\(row.value == 0 ? "0" : row.outcome.rawValue)</text>"
            }
            svg += "\n"
        }
        if let marker {
            let mx = x(marker)
            svg += "<line x1=\"\(f(mx))\" y1=\"0\" x2=\"\(f(mx))\" y2=\"\(f(height - 20))\" stroke=\"#1b1f24\" stroke-dasharray=\"4 3\"/>"
            svg += "<text x=\"\(f(mx + 4))\" y=\"\(f(height - 22))\">\(escape(markerLabel))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// The log-scale value axis the charts share: decades from below the smallest positive finite
    /// value to above the largest, `plotWidth` points wide after the case labels.
    struct LogAxis {
        static let labelWidth = 260.0
        static let plotWidth = 560.0
        static let rowHeight = 16.0
        let low: Double
        let high: Double

        /// `fallback` is the (smallest, largest) value when none is positive and finite.
        init(values: [Double], fallback: (Double, Double)) {
            let positive = values.filter { $0 > 0 && $0.isFinite }
            low = floor(log10(positive.min() ?? fallback.0)) - 0.01
            high = max(ceil(log10(positive.max() ?? fallback.1)), low + 1) + 0.01
        }

        /// Where `v` falls, clamped to the axis (infinity at its right end).
        func x(_ v: Double) -> Double {
            let clamped = min(max(v.isFinite ? v : pow(10, high), pow(10, low)), pow(10, high))
            return Self.labelWidth + (log10(clamped) - low) / (high - low) * Self.plotWidth
        }

        /// The opening `<svg>` tag and a grid line and label at every decade, for a chart `height` high.
        func open(height: Double, attributes: String) -> String {
            var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"\(attributes) width=\"\(Int(Self.labelWidth + Self.plotWidth + 90))\" height=\"\(Int(height))\">\n"
            for decade in Int(ceil(low))...Int(floor(high)) {
                let gx = f(x(pow(10, Double(decade))))
                svg += "<line x1=\"\(gx)\" y1=\"0\" x2=\"\(gx)\" y2=\"\(f(height - 20))\" stroke=\"#d8dee4\"/>"
                svg += "<text x=\"\(gx)\" y=\"\(f(height - 6))\" text-anchor=\"middle\">1e\(decade)</text>\n"
            }
            return svg
        }
    }

    /// Text safe in HTML element content and double-quoted attributes.
    package static func escape(_ text: String) -> String {
        Markup.escape(text, newline: "\n", apostrophe: "&#39;")
    }
}
