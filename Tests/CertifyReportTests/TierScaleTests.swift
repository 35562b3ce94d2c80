import CertifyBattery
import CertifyNumerics
import CertifyProfiles
import Testing

@testable import CertifyReport

/// A tier's tolerance scale tightens the implementation's share of a bound, never the rounding of
/// the exact result to the storage dtype.
@Suite struct TierScaleTests {
    private func tier(_ scale: Double, drawn: Bool = false) -> TierProfile {
        var tier = TierProfile(schema: 1, id: "strict", name: "Strict", requiredLevel: 1, toleranceScale: scale, path: "strict.yaml")
        tier.requiresDrawnSeed = drawn
        return tier
    }

    /// Every quick core case passing at `ratio` of its bound with `share` of its implementation part.
    private func run(ratio: Double, share: Double?, rounding: RoundingMode = .nearestEven) -> [CaseResult] {
        Battery.cases(.quick).filter { $0.role == .core }.map { testCase in
            var result = CaseResult(testCase: testCase, outcome: .passed, tolerance: "t")
            result.standardRatio = ratio
            result.functionalRatio = ratio
            result.standardImplementationRatio = share
            result.functionalImplementationRatio = share
            result.capability = CapabilityRecord(supported: true, accumulation: .fp32, flushesSubnormals: false, rounding: rounding)
            return result
        }
    }

    private let context = LevelContext(backendPinned: false, seedOrigin: .drawn)

    @Test func aCorrectlyRoundedResultNearItsWholeBoundMeetsAHalvedTier() {
        // 0.99 of the whole bound, but nearly all of it the rounding to storage.
        let verdict = TierVerdict(tier: tier(0.5), results: run(ratio: 0.99, share: 0.1), context: context)
        #expect(verdict.qualified, "\(verdict.reasons)")
    }

    @Test func anErrorBeyondHalfTheImplementationsShareFailsAHalvedTierWithTheFigure() throws {
        let verdict = TierVerdict(tier: tier(0.5), results: run(ratio: 0.9, share: 0.8), context: context)
        #expect(!verdict.qualified)
        let first = try #require(verdict.reasons.first)
        #expect(first.hasSuffix("(worst element's error beyond the rounding to fp32 at 0.8× the implementation's share of its bound, limit 0.5×)"))
    }

    @Test func aDeclaredRoundingTowardZeroIsNamedInTheReason() throws {
        let verdict = TierVerdict(tier: tier(0.5), results: run(ratio: 0.9, share: 0.9, rounding: .towardZero), context: context)
        #expect(!verdict.qualified)
        #expect(try #require(verdict.reasons.first).contains("; the backend rounds toward zero"))
    }

    @Test func aReportWithoutImplementationRatiosScalesTheWholeBoundAsBefore() {
        #expect(!TierVerdict(tier: tier(0.5), results: run(ratio: 0.6, share: nil), context: context).qualified)
        #expect(TierVerdict(tier: tier(0.5), results: run(ratio: 0.4, share: nil), context: context).qualified)
    }

    @Test func theLevelItselfIsJudgedOnTheWholeBound() {
        let results = run(ratio: 0.99, share: 0.99)
        #expect(LevelPolicy.assess(results, context: context).reached >= 1)
        #expect(TierVerdict(tier: tier(1), results: results, context: context).qualified)
    }

    @Test(arguments: [SeedOrigin.default, .given])
    func aTierThatRequiresADrawnSeedRefusesAnyOther(_ origin: SeedOrigin) throws {
        let verdict = TierVerdict(
            tier: tier(1, drawn: true), results: run(ratio: 0.1, share: 0.1),
            context: LevelContext(backendPinned: false, seedOrigin: origin))
        #expect(!verdict.qualified)
        let expected = origin == .given ? "given on the command line" : "not drawn by certify"
        #expect(verdict.reasons == ["the seed was \(expected); the tier requires inputs from a seed certify draws for the run (seed: drawn)"])
    }

    @Test(arguments: [SeedOrigin.drawn, .reproduction])
    func aDrawnOrReproducedSeedMeetsIt(_ origin: SeedOrigin) {
        let verdict = TierVerdict(
            tier: tier(1, drawn: true), results: run(ratio: 0.1, share: 0.1),
            context: LevelContext(backendPinned: false, seedOrigin: origin))
        #expect(verdict.qualified)
        #expect(verdict.requirements == "requires L1, drawn seed")
    }
}
