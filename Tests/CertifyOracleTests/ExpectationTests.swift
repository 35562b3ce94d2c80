import CertifyBattery
import CertifyNumerics
import CertifyOracle
import Testing

private let reference = DeclaredNumericsModel(
    accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven)

/// The oracle's expectations for battery cases.
@Suite struct ExpectationTests {
    @Test(arguments: Battery.cases(.quick).filter { $0.refusal == nil })
    func everyQuickCaseHasConsistentTensorsAndBounds(_ testCase: BatteryCase) {
        let inputs = testCase.inputs(seed: 1)
        #expect(inputs.map(\.count) == testCase.inputCounts)
        for (type, values) in zip(testCase.inputTypes, inputs) {
            // Inputs are exactly representable: encoding and decoding gives them back.
            let decoded = Array(type.decode(type.encode(values)).prefix(values.count))
            #expect(zip(decoded, values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
        let expectations = testCase.expectations(inputs, numerics: reference)
        #expect(expectations.map(\.values.count) == testCase.outputCounts)
        for expected in expectations {
            #expect(expected.standard.allSatisfy { $0.isFinite && $0 >= 0 })
            #expect(zip(expected.standard, expected.functional).allSatisfy { $0 <= $1 })
        }
        // No case is degenerate by accident.
        if testCase.outputTypes[0].floatType != nil {
            #expect(!testCase.isDegenerate(expectations[0].values))
        }
    }

    @Test func standardBoundIsTheDeterministicDotProductBound() throws {
        // GEMM K=4096 in fp16 with fp32 accumulation: γ_K(2^-24)·Σ|ab| + 2^-11·|c| + 2^-24 (smallest fp16 subnormal).
        let testCase = try #require(Battery.cases(.quick).first { $0.kernel == .gemm && $0.opType == .fp16 && $0.shape[2] == 4096 })
        let inputs = testCase.inputs(seed: 3)
        let expected = testCase.expectations(inputs, numerics: reference)[0]
        let (c, products) = Reference.gemm(a: inputs[0], b: inputs[1], m: 1, n: 16, k: 4096)
        let u = 0x1p-24
        let gamma = 4096 * u / (1 - 4096 * u)
        for i in c.indices {
            #expect(expected.standard[i] == gamma * products[i] + 0x1p-11 * abs(c[i]) + 0x1p-24)
        }
    }

    @Test func flushToZeroMakesTheFlushedResultAcceptableToo() throws {
        let testCase = try #require(Battery.cases(.quick).first { $0.kernel == .add && $0.pattern == .subnormal && $0.opType == .fp32 })
        let inputs = testCase.inputs(seed: 1)
        #expect(inputs[0].contains { $0 != 0 && abs($0) < DType.fp32.minNormal })
        var flushing = reference
        flushing.flushesSubnormals = true
        let expected = testCase.expectations(inputs, numerics: flushing)[0]
        let alternative = try #require(expected.alternative)
        #expect(alternative.allSatisfy { $0 == 0 || abs($0) >= DType.fp32.minNormal })
        #expect(testCase.expectations(inputs, numerics: reference)[0].alternative == nil)
    }

    @Test func overflowIsExpectedAsInfinity() throws {
        let testCase = try #require(Battery.cases(.quick).first { $0.kernel == .gemm && $0.pattern == .overflow })
        let expected = testCase.expectations(testCase.inputs(seed: 1), numerics: reference)[0]
        #expect(expected.values.allSatisfy { $0 == .infinity })
    }

    @Test func fullyMaskedSoftmaxRowsAreZeros() throws {
        let testCase = try #require(Battery.cases(.quick).first { $0.pattern == .masked })
        let expected = testCase.expectations(testCase.inputs(seed: 1), numerics: reference)[0]
        let cols = testCase.shape[1]
        #expect(expected.values[0..<cols].allSatisfy { $0 == 0 })
        #expect(expected.values[cols..<2 * cols].reduce(0, +) > 0.999)
    }

    @Test func argmaxAndTopKFollowTheABIsOrder() throws {
        let testCase = try #require(Battery.cases(.quick).first { $0.kernel == .topk && $0.pattern == .ties })
        let inputs = testCase.inputs(seed: 1)
        let expected = testCase.expectations(inputs, numerics: reference)
        let (cols, k) = (testCase.shape[1], testCase.shape[2])
        for row in 0..<testCase.shape[0] {
            let indices = expected[1].values[row * k..<(row + 1) * k].map { Int($0) }
            let values = indices.map { inputs[0][row * cols + $0] }
            #expect(values == values.sorted(by: >))
            for pair in zip(indices, indices.dropFirst()) where values[indices.firstIndex(of: pair.0)!] == values[indices.firstIndex(of: pair.1)!] {
                #expect(pair.0 < pair.1)
            }
        }
    }
}

/// `numerics.intermediates: storage` and the split of every bound into the unavoidable rounding to
/// storage and the implementation's share.
@Suite struct ToleranceSplitTests {
    private func softmax(_ type: DType) throws -> BatteryCase {
        try #require(Battery.cases(.quick).first { $0.kernel == .softmax && $0.floatType == type && $0.flags == 0 })
    }

    @Test(arguments: [DType.bf16, .fp16])
    func storedSoftmaxIntermediatesWidenTheBoundByTwoStorageRoundings(_ type: DType) throws {
        let testCase = try softmax(type)
        let inputs = testCase.inputs(seed: 1)
        var stored = reference
        stored.storageIntermediates = [.softmax]
        let plain = testCase.expectations(inputs, numerics: reference)[0]
        let widened = testCase.expectations(inputs, numerics: stored)[0]
        for i in plain.values.indices {
            #expect(abs(widened.standard[i] - plain.standard[i] - 2 * type.unitRoundoff * plain.values[i]) <= 1e-15 * plain.standard[i])
        }
        // Other kernels do not change.
        let gemm = try #require(Battery.cases(.quick).first { $0.kernel == .gemm && $0.floatType == type })
        let gemmInputs = gemm.inputs(seed: 1)
        #expect(gemm.expectations(gemmInputs, numerics: stored)[0].standard == gemm.expectations(gemmInputs, numerics: reference)[0].standard)
    }

    @Test(arguments: Battery.cases(.quick).filter { $0.refusal == nil })
    func theUnavoidableRoundingIsPartOfEveryTolerance(_ testCase: BatteryCase) {
        let inputs = testCase.inputs(seed: 1)
        for (index, expected) in testCase.expectations(inputs, numerics: reference).enumerated() {
            #expect(expected.unavoidable.count == expected.values.count)
            #expect(zip(expected.unavoidable, expected.standard).allSatisfy { $0 >= 0 && $0 <= $1 })
            guard let dtype = testCase.outputTypes[index].floatType else {
                #expect(expected.unavoidable.allSatisfy { $0 == 0 })
                continue
            }
            // Where the bound is not exact, the unavoidable part is one nearest-even rounding and the floor.
            for (value, (unavoidable, standard)) in zip(expected.values, zip(expected.unavoidable, expected.standard))
            where value.isFinite && standard > dtype.smallestSubnormal {
                #expect(unavoidable == min(standard, abs(value) * dtype.unitRoundoff + dtype.smallestSubnormal))
            }
        }
    }
}
