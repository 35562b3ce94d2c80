import CertifyBattery

/// report.md: the verdict first, then the run, then one table per kernel.
package enum MarkdownRenderer {
    /// The Markdown document for `statement` (GitHub-flavoured tables); `root` is the root the
    /// signer's chain names, shown when given.
    package static func render(_ statement: Statement, root: String? = nil) -> String {
        let facts = ReportFacts(statement, root: root)
        let p = facts.predicate
        var lines = ["# Certification report: \(facts.chip)", ""]
        lines.append("**Level reached: \(p.level.name)**")
        lines.append("")
        let missed = p.tiers.filter { !$0.qualified }
        if !missed.isEmpty {
            lines.append("**NOT QUALIFIED for tier\(missed.count == 1 ? "" : "s") \(missed.map(\.id).joined(separator: ", "))**")
            lines.append("")
        }
        if let incomplete = facts.incomplete {
            lines.append("**\(escape(incomplete))**")
            lines.append("")
        }
        lines.append("| | |")
        lines.append("|---|---|")
        for (key, value) in [
            ("Chip", "\(facts.chip) (`\(p.chip.profile)`)"), ("Backend", facts.backend), ("Device", facts.device),
        ] + (p.backend.implementation.map { [("Implementation", $0)] } ?? []) + [
            ("Host", facts.host),
            ("Battery", "\(p.run.batteryVersion), suite \(p.run.suite.rawValue), seed \(p.run.seedDescription)"),
            ("Date", "\(p.run.startedAt) to \(p.run.finishedAt)"), ("Signed by", facts.signature),
            ("Cases", facts.caseCounts),
        ] + facts.auditRows {
            lines.append("| \(key) | \(escape(value)) |")
        }
        if !p.tiers.isEmpty {
            lines.append("")
            lines.append("## Tiers")
            lines.append("")
            for tier in p.tiers {
                lines.append("- \(escape(facts.tierLine(tier)))")
                for reason in tier.qualified ? [] : tier.reasons { lines.append("  - \(escape(reason))") }
            }
        }
        if !p.level.gaps.isEmpty {
            lines.append("")
            lines.append("## Why not higher")
            for gap in p.level.gaps {
                lines.append("")
                lines.append("\(gap.level.name) not reached:")
                lines.append("")
                for reason in gap.reasons { lines.append("- \(escape(reason))") }
            }
        }
        if let check = p.levelContext.modelCheck { lines += modelCheck(check) }
        let unstable = ReportFacts.unstableLatencies(p.cases)
        if !unstable.isEmpty {
            lines.append("")
            lines.append("## Unstable latency")
            lines.append("")
            lines.append("No attempt timed these cases stably; \(escape(ReportFacts.unstableExplanation)).")
            lines.append("")
            lines.append(contentsOf: unstable.map { "- \(escape($0))" })
        }
        for kernel in facts.kernels {
            lines.append("")
            lines.append("## \(kernel.name)")
            lines.append("")
            lines.append("| " + ReportFacts.headers.joined(separator: " | ") + " |")
            lines.append("|" + ReportFacts.headers.enumerated().map { $0.offset < 4 ? "---" : "---:" }.joined(separator: "|") + "|")
            for c in kernel.cases {
                lines.append("| " + ReportFacts.cells(c).map(escape).joined(separator: " | ") + " |")
            }
            for c in kernel.cases where c.message != nil {
                lines.append("")
                lines.append("- `\(c.id)`: \(escape(c.message ?? ""))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The model-level check: its headline, then one row per position compared.
    private static func modelCheck(_ check: ModelCheckRecord) -> [String] {
        var lines = ["", "## Model-level check", "", escape(check.headline), ""]
        guard !check.steps.isEmpty else { return lines }
        lines.append("Origin: \(escape(check.shape.origin)). Teacher-forced: each decode step feeds the fp64 model's top-1 token.")
        lines.append("")
        lines.append("| position | step | model's top-1 | lead | backend's top-1 | worst logit error | KL divergence | rounded model: logit error | rounded model: KL |")
        lines.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for step in check.steps {
            let cells = [
                "\(step.position)", step.step == 0 ? "prefill" : "decode \(step.step)", "\(step.expectedToken)",
                Format.number(step.margin), "\(step.backendToken)", Format.number(step.maxLogitError),
                Format.number(step.klDivergence), Format.number(step.roundedMaxLogitError),
                Format.number(step.roundedKLDivergence),
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
