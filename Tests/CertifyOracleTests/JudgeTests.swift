import CertifyBattery
import CertifyNumerics
import CertifyOracle
import Testing

/// Judging on synthetic outputs: the figures a case gets from its outputs alone.
@Suite struct JudgeTests {
    private let numerics = DeclaredNumericsModel(
        accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven)

    private func addCase(_ type: TensorType) throws -> BatteryCase {
        try #require(Battery.cases(.quick).first { $0.kernel == .add && $0.opType == type && $0.pattern == .typical })
    }

    /// The case judged on `first` (and `last`, `repeats`, and `second` for the second input set) as
    /// the backend's outputs.
    private func judged(
        _ testCase: BatteryCase, first: [Double], last: [Double]? = nil, repeats: [[Double]] = [], second: [Double]? = nil
    ) -> CaseResult {
        let inputs = testCase.inputs(seed: 1)
        let type = testCase.outputTypes[0]
        var result = CaseResult(testCase: testCase, outcome: .passed, tolerance: "t")
        Judge.judge(
            testCase,
            outputs: ObservedOutputs(
                first: [type.encode(first)], last: [type.encode(last ?? first)], repeats: repeats.map { [type.encode($0)] },
                timed: true, soakRuns: 0, soakMismatches: 0, second: second.map { [type.encode($0)] }),
            inputs: inputs, secondInputs: second == nil ? nil : testCase.inputs(seed: 1, set: 2), numerics: numerics,
            into: &result)
        return result
    }

    private func exact(_ testCase: BatteryCase, set: Int = 1) -> [Double] {
        let inputs = testCase.inputs(seed: 1, set: set)
        let dtype = testCase.floatType!
        return zip(inputs[0], inputs[1]).map { dtype.round($0 + $1) }
    }

    @Test func correctlyRoundedOutputsUseNoneOfTheImplementationsShare() throws {
        let testCase = try addCase(.bf16)
        let result = judged(testCase, first: exact(testCase))
        #expect(try #require(result.standardRatio) <= 1)
        #expect(try #require(result.standardRatio) > 0.5)
        #expect(result.standardImplementationRatio == 0)
        #expect(result.repeatability?.maxDifferenceRatio == 0 && result.repeatability?.maxFunctionalDifferenceRatio == 0)
        #expect(result.repeatability?.bitwiseIdentical == true && result.repeatability?.runs == 2)
    }

    @Test func aTruncatedOutputSpendsTheImplementationsShare() throws {
        let testCase = try addCase(.bf16)
        // Rounding toward zero instead of to nearest: up to one more unit of storage rounding.
        let truncated = zip(testCase.inputs(seed: 1)[0], testCase.inputs(seed: 1)[1]).map {
            DType.bf16.round($0 + $1, mode: .towardZero)
        }
        let result = judged(testCase, first: truncated)
        #expect(try #require(result.standardImplementationRatio) > 1)
        #expect(try #require(result.standardRatio) > 1)
    }

    @Test func aDifferentLaterRunIsMeasuredAgainstTheBound() throws {
        let testCase = try addCase(.fp32)
        let first = exact(testCase)
        var other = first
        other[3] = Double(Float(other[3]).nextUp.nextUp.nextUp.nextUp)
        let result = judged(testCase, first: first, repeats: [other])
        let repeatability = try #require(result.repeatability)
        #expect(repeatability.runs == 3)
        #expect(!repeatability.bitwiseIdentical)
        #expect(repeatability.maxDifferenceRatio > 0)
    }

    @Test func theSecondInputSetIsJudgedAsStrictlyAsTheFirst() throws {
        let testCase = try addCase(.fp32)
        let passing = judged(testCase, first: exact(testCase), second: exact(testCase, set: 2))
        #expect(try #require(passing.standardRatio) <= 1)
        #expect(passing.message == nil)
        // A result replayed from the first set, as a launch-replay cache keyed by buffers gives it.
        let replayed = judged(testCase, first: exact(testCase), second: exact(testCase))
        #expect(try #require(replayed.standardRatio) > 1)
        #expect(try #require(replayed.functionalRatio) > 1)
        #expect(
            replayed.message
                == "within the standard tolerance on its inputs, but not on a second input set that the same plan executed in the same buffers after the timed loop")
        // Not a repeat: the second set's outputs differ from the first's and must.
        #expect(passing.repeatability == Repeatability(runs: 2, maxDifferenceRatio: 0, maxFunctionalDifferenceRatio: 0, bitwiseIdentical: true))
    }

    @Test func aNaNWhereTheOracleHasANumberIsInfinitelyFarOut() throws {
        let testCase = try addCase(.fp32)
        var first = exact(testCase)
        first[0] = .nan
        let result = judged(testCase, first: first)
        #expect(result.standardRatio == .infinity)
        #expect(result.standardImplementationRatio == .infinity)
        #expect(result.standard?.nonFiniteMismatches == 1)
    }

    @Test(arguments: [
        // (error, tolerance, unavoidable) → implementation ratio
        (0.0, 1.0, 0.5, 0.0), (0.5, 1.0, 0.5, 0.0), (0.75, 1.0, 0.5, 0.5), (1.0, 1.0, 0.5, 1.0), (1.0, 0.5, 0.5, Double.infinity),
    ])
    func theImplementationRatioTakesTheUnavoidableRoundingOut(_ error: Double, _ tolerance: Double, _ unavoidable: Double, _ expected: Double) {
        #expect(Judge.implementationRatio([1 + error], [1], [tolerance], [unavoidable]) == expected)
    }
}
