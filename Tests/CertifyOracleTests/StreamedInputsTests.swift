import CertifyBattery
import CertifyNumerics
import CertifyOracle
import Testing

private let keeping = DeclaredNumericsModel(
    accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven)
private let flushing = DeclaredNumericsModel(
    accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: true, rounding: .nearestEven)

/// Equal, or both NaN.
private func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

/// Streamed inputs (drawn, rounded and encoded a block of rows at a time, never held whole)
/// against the whole tensors the battery defines: the same bytes and values, and the same
/// references when the oracle takes them a block at a time. Every input that may stream is
/// streamed here, however small, in blocks of a few rows.
@Suite struct StreamedInputsTests {
    static let cases = Battery.cases(.quick).filter { testCase in
        testCase.refusal == nil && testCase.streamedInput.map { testCase.streams(input: $0, threshold: 1) } == true
    }

    @Test func onlyTheGEMMsBAndTheEmbeddingTableStream() {
        #expect(Set(Self.cases.map(\.kernel)) == [.gemm, .embedding])
        for testCase in Battery.cases(.full) {
            for index in testCase.inputTypes.indices where testCase.streams(input: index, threshold: 1) {
                #expect(index == (testCase.kernel == .gemm ? 1 : 0), "\(testCase.id)")
                #expect(testCase.inputTypes[index].floatType != nil)
                #expect(![.nonFinite, .subnormal, .nearTies, .nanVariety, .nanPayload].contains(testCase.pattern))
            }
        }
        // The full suite's large weights stream at the default threshold.
        #expect(Battery.cases(.full).contains { $0.id == "gemm.fp32.gate-up-prefill.128x27392x4096" && $0.streams(input: 1) })
    }

    /// Blocks of three rows: several per tensor, the last one short.
    private static func block(_ testCase: BatteryCase) -> Int {
        3 * testCase.streamedRowLength
    }

    @Test(arguments: cases)
    func streamedBytesAndValuesAreTheEncodedOnes(_ testCase: BatteryCase) throws {
        let index = try #require(testCase.streamedInput)
        for set in 1...2 {
            var bytes: [UInt8] = []
            var values: [Double] = []
            testCase.streamInput(index, seed: 7, set: set, blockElements: Self.block(testCase), withValues: true) { offset, block, blockValues in
                #expect(offset == values.count, "blocks in order, none missing")
                bytes += block
                values += blockValues
            }
            let whole = testCase.encodedInput(index, seed: 7, set: set)
            #expect(bytes == whole.bytes, "set \(set)")
            #expect(values.count == whole.values.count && zip(values, whole.values).allSatisfy(same), "set \(set)")
        }
    }

    /// Blocks of the default size, each drawn on every core in chunks: the smallest GEMM weight of
    /// more than one block the standard suite streams.
    @Test func aStreamedWeightInDefaultBlocksIsTheEncodedOne() throws {
        let testCase = try #require(
            Battery.cases(.standard).filter { $0.kernel == .gemm && $0.streams(input: 1) && $0.inputCounts[1] > 1 << 20 }.min { $0.inputCounts[1] < $1.inputCounts[1] })
        #expect(testCase.inputCounts[1] > 1 << 20, "\(testCase.id): more than one block")
        var bytes: [UInt8] = []
        testCase.streamInput(1, seed: 5, set: 2) { _, block, _ in bytes += block }
        #expect(bytes == testCase.encodedInput(1, seed: 5, set: 2).bytes, "\(testCase.id)")
    }

    @Test(arguments: cases, [keeping, flushing])
    func streamedReferencesAreTheWholeOnes(_ testCase: BatteryCase, numerics: DeclaredNumericsModel) throws {
        let index = try #require(testCase.streamedInput)
        let inputs = testCase.inputs(seed: 7)
        let held = inputs.indices.map { $0 == index ? nil : inputs[$0] }
        let oracle = StreamedExpectations(testCase, held: held, seed: 7, set: 1, numerics: numerics)
        testCase.streamInput(index, seed: 7, blockElements: Self.block(testCase), withValues: true) { offset, _, values in
            oracle.consume(offset: offset, values: values)
        }
        let streamed = oracle.finish()
        let whole = testCase.expectations(inputs, numerics: numerics)
        #expect(streamed.count == whole.count)
        // A GEMM taken a panel of B's rows at a time is a sum over other parenthesisations: C in fp64
        // within twice γ_K(2⁻⁵³)·Σ|a·b| of the whole product's (both are within one of the exact
        // sum), the bound's fp32 scale within twice its own inflation, 2γ_K(2⁻²⁴) + 2⁻⁴⁸, and every
        // tolerance by as much through its terms. An embedding's rows are copied: equal.
        let gemm = testCase.kernel == .gemm
        let k = gemm ? testCase.shape[2] : 0
        let scale = gemm ? Reference.gemm(a: inputs[0], b: inputs[1], m: testCase.shape[0], n: testCase.shape[1], k: k).absProducts : []
        let model = ToleranceModel(for: testCase, numerics: numerics)
        let g = max(model.gamma(k, .standard), model.gamma(k, .functional))
        let valueSlack = 2 * ErrorBound.gamma(k, unitRoundoff: 0x1p-53)
        let scaleSlack = 2 * (2 * ErrorBound.gamma(k, unitRoundoff: 0x1p-24) + 0x1p-48)
        for (new, old) in zip(streamed, whole) {
            #expect(new.values.count == old.values.count)
            #expect((new.alternative == nil) == (old.alternative == nil))
            for i in old.values.indices {
                let value = gemm ? valueSlack * scale[i] : 0
                let tolerance = gemm ? (g * scaleSlack + model.outputUnit * valueSlack) * scale[i] + Double(k) * 0x1p-120 : 0
                #expect(same(new.values[i], old.values[i]) || abs(new.values[i] - old.values[i]) <= value, "value \(i)")
                for (a, b) in [(new.standard[i], old.standard[i]), (new.functional[i], old.functional[i]), (new.unavoidable[i], old.unavoidable[i])] {
                    #expect(same(a, b) || abs(a - b) <= tolerance + 0x1p-50 * abs(b), "tolerance \(i): \(a) against \(b)")
                }
                if let alternative = old.alternative, let other = new.alternative {
                    #expect(same(other[i], alternative[i]) || abs(other[i] - alternative[i]) <= value, "alternative \(i)")
                }
            }
        }
    }
}
