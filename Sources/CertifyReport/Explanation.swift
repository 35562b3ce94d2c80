import CertifyBattery
import CertifyProfiles

/// For every level or tier a report did not reach, the cases to fix and the other requirements.
package struct Explanation: Sendable, Equatable {
    /// One level or tier not reached.
    package struct Target: Sendable, Equatable {
        /// "L2 Validated" or "tier Enterprise (enterprise, requires L2)".
        package var title: String
        /// Case ids named in the reasons, in report order: fixing exactly these is what it takes.
        package var cases: [String]
        /// Reasons that name no case (a profile or run requirement), in their words.
        package var requirements: [String]
        /// What is wrong with a case, where a reason is about that case alone ("is outside …").
        package var problems: [String: String] = [:]
    }

    package var targets: [Target]

    /// Re-assesses the statement's cases with lists unabridged, so every case a reason names is found.
    package init(_ predicate: CertificationPredicate) {
        let results = predicate.cases
        let context = predicate.levelContext
        let full = LevelPolicy.assess(results, context: context, listLimit: .max)
        var targets: [Target] = []
        for gap in full.gaps {
            let reasons = full.gaps.filter { $0.level <= gap.level }.flatMap(\.reasons)
            targets.append(Self.target(gap.level.name, reasons: reasons, results: results))
        }
        for tier in predicate.tiers where !tier.qualified {
            let assessment = LevelPolicy.assess(
                results, context: context, toleranceScale: tier.toleranceScale,
                percentile: tier.latencyPercentile ?? .p50, listLimit: .max)
            let reasons = assessment.gaps.filter { $0.level <= tier.requiredLevel }.flatMap(\.reasons)
            targets.append(
                Self.target(
                    "tier \(tier.name) (\(tier.id), requires \(tier.requiredLevel.label))", reasons: reasons, results: results))
        }
        self.targets = targets
    }

    private static func target(_ title: String, reasons: [String], results: [CaseResult]) -> Target {
        var cases: [String] = []
        var requirements: [String] = []
        var problems: [String: String] = [:]
        for reason in reasons {
            let named = results.map(\.id).filter { mentions(reason, $0) }
            if named.isEmpty {
                if !requirements.contains(reason) { requirements.append(reason) }
            }
            for id in named where !cases.contains(id) { cases.append(id) }
            if named.count == 1, let id = named.first, problems[id] == nil, reason.hasPrefix(id + " ") {
                problems[id] = String(reason.dropFirst(id.count + 1))
            }
        }
        let order = Dictionary(results.enumerated().map { ($0.element.id, $0.offset) }) { first, _ in first }
        cases.sort { order[$0]! < order[$1]! }
        return Target(title: title, cases: cases, requirements: requirements, problems: problems)
    }

    /// Whether `text` names `id` as a whole word (not as the prefix of a longer id).
    static func mentions(_ text: String, _ id: String) -> Bool {
        var search = text[...]
        while let range = search.range(of: id) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            if !isIDCharacter(before) && !isIDCharacter(after) { return true }
            search = text[range.upperBound...]
        }
        return false
    }

    private static func isIDCharacter(_ c: Character?) -> Bool {
        guard let c else { return false }
        // A sentence's closing period is not part of an id.
        return c.isLetter || c.isNumber || c == "_" || c == "-" || c == "×"
    }

    /// The text `certify explain` prints.
    package func render() -> String {
        guard !targets.isEmpty else { return "Nothing to fix: every level and every tier given was reached.\n" }
        var lines: [String] = []
        for target in targets {
            lines.append("To reach \(target.title):")
            if !target.cases.isEmpty {
                lines.append("  fix \(target.cases.count) case\(target.cases.count == 1 ? "" : "s"):")
                lines.append(contentsOf: target.cases.map { id in "    \(id)" + (target.problems[id].map { ": \($0)" } ?? "") })
            }
            if !target.requirements.isEmpty {
                lines.append("  and:")
                lines.append(contentsOf: target.requirements.map { "    - \($0)" })
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
