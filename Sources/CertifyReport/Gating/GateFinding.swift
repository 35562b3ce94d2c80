/// What a gate found about one case, tier or the level.
package struct GateFinding: Sendable, Codable, Equatable {
    /// The kinds of finding; the failing ones in order of severity, most severe first.
    package enum Kind: String, Sendable, Codable, CaseIterable, Comparable {
        case levelLowered = "level-lowered"
        case tierLost = "tier-lost"
        case newFailure = "new-failure"
        case supportLost = "support-lost"
        case errorGrowth = "error-growth"
        case latencyRegression = "latency-regression"
        /// An expected failure that passes now: tighten the expectations file.
        case unexpectedPass = "unexpected-pass"
        /// A failure listed as expected in the expectations file.
        case expectedFailure = "expected-failure"
        /// A failure listed as a known flake, or one that passed when re-run; a latency
        /// regression that re-measuring in a fresh worker did not confirm.
        case flake
        /// A case the expectations file skips.
        case skipped
        /// Something the gate did not judge, and why (error growth of exact kernels).
        case notJudged = "not-judged"

        /// The failing kinds in the order they decide the exit status: the most specific first
        /// (see `Gate.deciding`).
        package static let precedence: [Kind] = [.newFailure, .supportLost, .levelLowered, .tierLost, .errorGrowth, .latencyRegression]

        /// Whether this kind fails the gate.
        package var fails: Bool { self <= .latencyRegression }

        package static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    package var kind: Kind
    /// The case id, tier id or "level".
    package var subject: String
    /// One plain sentence with the figures.
    package var detail: String

    package init(_ kind: Kind, _ subject: String, _ detail: String) {
        self.kind = kind
        self.subject = subject
        self.detail = detail
    }
}
