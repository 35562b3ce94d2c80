import CertifyBattery
import CertifyProfiles

/// Whether a run qualifies a chip for one user tier, and every reason it does not.
package struct TierVerdict: Sendable, Codable, Equatable {
    package var id: String
    package var name: String
    package var requiredLevel: Level
    package var toleranceScale: Double
    /// The percentile held to the budgets at L2.
    package var latencyPercentile: BudgetPercentile?
    /// The level reached with the tier's tolerance scale applied.
    package var levelReached: Level
    package var qualified: Bool
    package var reasons: [String]
    /// The tier accepts only a seed certify drew for the run; absent when it accepts any.
    package var requiresDrawnSeed: Bool?

    /// Assesses `results` under `tier`'s tolerance scale and compares with its required level.
    package init(tier: TierProfile, results: [CaseResult], context: LevelContext) {
        let assessment = LevelPolicy.assess(
            results, context: context, toleranceScale: tier.toleranceScale, percentile: tier.latencyPercentile)
        id = tier.id
        name = tier.name
        let required = Level(integerLiteral: tier.requiredLevel)
        requiredLevel = required
        toleranceScale = tier.toleranceScale
        latencyPercentile = tier.latencyPercentile
        levelReached = assessment.reached
        qualified = assessment.reached >= required
        reasons = assessment.gaps.filter { $0.level <= required }.flatMap { gap in
            gap.reasons.map { "\(gap.level.label): \($0)" }
        }
        requiresDrawnSeed = tier.requiresDrawnSeed ? true : nil
        if tier.requiresDrawnSeed && context.seedOrigin?.unforeseeable != true {
            qualified = false
            reasons.append(
                "the seed was \(context.seedOrigin == .given ? "given on the command line" : "not drawn by certify"); the tier requires inputs from a seed certify draws for the run (seed: drawn)")
        }
    }

    /// What the tier asks beyond its level, for one line: "requires L2, implementation ×0.5, drawn seed".
    package var requirements: String {
        var parts = ["requires \(requiredLevel.label)"]
        if toleranceScale != 1 { parts.append("implementation's tolerance ×\(Format.number(toleranceScale))") }
        if requiresDrawnSeed == true { parts.append("drawn seed") }
        return parts.joined(separator: ", ")
    }
}
