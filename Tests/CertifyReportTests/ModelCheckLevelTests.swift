import CertifyBattery
import CertifyNumerics
import Foundation
import Testing

@testable import CertifyReport

/// Every quick case passing within budgets: L2 is decided by the model-level check alone.
private func passingCases() -> [CaseResult] {
    Battery.cases(.quick).map { testCase in
        var result = CaseResult(testCase: testCase, outcome: .passed, tolerance: "t")
        (result.standardRatio, result.functionalRatio) = (0.1, 0.1)
        result.latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 1, samples: [20_000, 20_100, 20_200], firstCallNanoseconds: 50_000,
            budgetP50Microseconds: 100, budgetP99Microseconds: 200)
        return result
    }
}

/// A record of two positions; the second with the given figures and tokens.
private func record(error: Double, kl: Double = 1e-4, chosen: Int = 5, margin: Double = 2) -> ModelCheckRecord {
    let steps = [
        ModelCheckStep(
            position: 0, step: 0, expectedToken: 3, margin: 1, backendToken: 3, maxLogitError: 0.1, klDivergence: 1e-4,
            roundedMaxLogitError: 0.1, roundedKLDivergence: 1e-4),
        ModelCheckStep(
            position: 1, step: 1, expectedToken: 5, margin: margin, backendToken: chosen, maxLogitError: error,
            klDivergence: kl, roundedMaxLogitError: 0.1, roundedKLDivergence: 1e-4),
    ]
    var record = ModelCheckRecord(
        shape: .forSuite(.quick), type: .bf16, outcome: .passed, logitLimit: 0.4, klLimit: 0.0016, steps: steps)
    if let shortfall = record.shortfall() { (record.outcome, record.message) = (.failed, shortfall) }
    return record
}

private func context(_ check: ModelCheckRecord?) -> LevelContext {
    var context = LevelContext(backendPinned: false)
    context.modelCheck = check
    return context
}

@Suite struct ModelCheckLevelTests {
    @Test func aPassingCheckLeavesL2ToTheCases() {
        let assessment = LevelPolicy.assess(passingCases(), context: context(record(error: 0.2)))
        #expect(assessment.reached == .validated)
    }

    /// Reports of battery 1.3.0 and before have no check, and keep the level they were given.
    @Test func aReportWithoutACheckIsNotHeldToIt() {
        #expect(LevelPolicy.assess(passingCases(), context: context(nil)).reached == .validated)
    }

    @Test func aLogitErrorOverTheLimitCostsL2WithThePositionAndFigures() {
        let assessment = LevelPolicy.assess(passingCases(), context: context(record(error: 0.9)))
        #expect(assessment.reached == .compatible)
        #expect(
            assessment.gaps.first?.reasons.first
                == "the model-level check failed at position 1 (decode step 1) the top-1 token agrees (5); worst logit error 0.9 (limit 0.4), KL divergence 1.00e-04 (limit 0.0016)")
    }

    @Test func aWrongTokenWithAClearLeadFailsEvenWithinTheLogitLimit() {
        let check = record(error: 0.3, chosen: 9, margin: 2)
        #expect(check.outcome == .failed)
        #expect(check.message?.contains("the backend's top-1 token is 9 where the model's is 5 (lead 2)") == true)
        // A near-tie (lead under twice the limit) may flip for a correct backend.
        #expect(record(error: 0.3, chosen: 9, margin: 0.5).outcome == .passed)
    }

    @Test func aDivergenceOverItsLimitFails() {
        #expect(record(error: 0.2, kl: 0.01).outcome == .failed)
    }

    /// A tier's tolerance scale tightens the limits: the logit limit by the scale, KL by its square.
    @Test func aTierScaleTightensTheLimits() {
        let check = record(error: 0.3)
        #expect(check.shortfall(scale: 1) == nil)
        #expect(check.shortfall(scale: 0.5)?.contains("(limit 0.2)") == true)
        #expect(LevelPolicy.assess(passingCases(), context: context(check), toleranceScale: 0.5).reached == .compatible)
    }

    /// A check that could not run costs L2; one that crashed or hung the backend costs L1, as a
    /// case that did would.
    @Test(arguments: [
        (CaseOutcome.unsupported, Level.compatible), (.notRun, .compatible), (.error, .compatible),
        (.crashed, .notCertified), (.timedOut, .notCertified),
    ])
    func aCheckThatDidNotRunCostsL2AndACrashL1(_ outcome: CaseOutcome, _ reached: Level) {
        let check = ModelCheckRecord(shape: .forSuite(.quick), type: nil, outcome: outcome, message: "why")
        let assessment = LevelPolicy.assess(passingCases(), context: context(check))
        #expect(assessment.reached == reached)
        #expect(assessment.gaps.first?.reasons.first?.hasPrefix("the model-level check ") == true)
        #expect(assessment.gaps.first?.reasons.first?.hasSuffix(": why") == true)
    }

    /// Battery 1.4.0 reports carry the check; a merge of them without one records it as not run.
    @Test func reportsFromBattery140OnCarryTheCheck() {
        #expect(!ShardMerge.hasModelCheck(battery: "1.3.0"))
        #expect(!ShardMerge.hasModelCheck(battery: "1.0.0"))
        #expect(ShardMerge.hasModelCheck(battery: "1.4.0"))
        #expect(ShardMerge.hasModelCheck(battery: "1.10.0"))
        #expect(ShardMerge.hasModelCheck(battery: "2.0.0"))
    }

    /// The report's pages carry it: report.md a section with a row per position, junit.xml a test case.
    @Test func theReportPagesShowTheCheck() {
        var statement = syntheticStatement()
        statement.predicate.levelContext.modelCheck = record(error: 0.9)
        let markdown = MarkdownRenderer.render(statement)
        #expect(markdown.contains("## Model-level check"))
        #expect(markdown.contains("| 1 | decode 1 | 5 | 2 | 5 | 0.9 | 1.00e-04 | 0.1 | 1.00e-04 |"))
        let junit = JUnitRenderer.render(statement)
        #expect(junit.contains("<testsuite name=\"certify.model\" tests=\"1\" failures=\"1\""))
        #expect(SummaryRenderer.render(statement).contains("model-level check: failed, a GLM decoder in bf16"))
    }
}
