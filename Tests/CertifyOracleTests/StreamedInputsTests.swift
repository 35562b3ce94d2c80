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

/// Streamed inputs (drawn, rounded and encoded a block at a time, never held whole) against the
/// whole tensors the battery defines: the same bytes, and the same references when the oracle
/// reads them back a part at a time. Every input that may stream is streamed here, however small.
@Suite struct StreamedInputsTests {
    static let cases = Battery.cases(.quick).filter { testCase in
        testCase.refusal == nil && testCase.inputTypes.indices.contains { testCase.streams(input: $0, threshold: 1) }
    }

    @Test func theStreamedKernelsAreCovered() {
        let kernels = Set(Self.cases.map(\.kernel))
        #expect(kernels.isSuperset(of: [.gemm, .embedding, .attention, .softmax]))
        // Only unplanted floating-point tensors stream.
        for testCase in Battery.cases(.full) {
            for index in testCase.inputTypes.indices where testCase.streams(input: index, threshold: 1) {
                #expect(testCase.inputTypes[index].floatType != nil)
                #expect(![.nonFinite, .subnormal, .nearTies, .nanVariety, .nanPayload].contains(testCase.pattern))
            }
        }
    }

    @Test(arguments: cases)
    func streamedBytesAreTheEncodedOnes(_ testCase: BatteryCase) {
        for set in 1...2 {
            for index in testCase.inputTypes.indices where testCase.streams(input: index, threshold: 1) {
                var streamed: [UInt8] = []
                var offsets: [Int] = []
                testCase.streamInput(index, seed: 7, set: set, blockElements: 1000) { offset, bytes in
                    offsets.append(offset)
                    streamed += bytes
                }
                #expect(streamed == testCase.encodedInput(index, seed: 7, set: set).bytes, "input \(index), set \(set)")
                #expect(offsets == offsets.indices.map { testCase.inputTypes[index].byteCount($0 * 1000) })
            }
        }
    }

    @Test(arguments: cases, [keeping, flushing])
    func streamedReferencesAreTheWholeOnes(_ testCase: BatteryCase, numerics: DeclaredNumericsModel) throws {
        let inputs = testCase.inputs(seed: 7)
        let held = inputs.indices.map { testCase.streams(input: $0, threshold: 1) ? nil : inputs[$0] }
        var reads = 0
        let streamed = testCase.expectations(
            held,
            reading: { index, offset, count in
                reads += 1
                return Array(inputs[index][offset..<offset + count])
            }, numerics: numerics)
        let whole = testCase.expectations(inputs, numerics: numerics)
        #expect(reads > 0 || testCase.shape.contains(0))
        #expect(streamed.count == whole.count)
        let blocked = testCase.kernel == .gemm && held[1] == nil
        // A GEMM read a block of B's columns at a time is another cblas_dgemm call per block: each
        // value within twice fp64's γ_K·Σ|a·b| of the whole product's (both are within one of the
        // exact sum), each tolerance moved by as much through its u_out·|c| term and its own roundings.
        let scale = blocked
            ? Reference.gemm(a: inputs[0], b: inputs[1], m: testCase.shape[0], n: testCase.shape[1], k: testCase.shape[2]).absProducts
            : []
        let allowance = blocked ? 2 * ErrorBound.gamma(testCase.shape[2], unitRoundoff: 0x1p-53) : 0
        for (new, old) in zip(streamed, whole) {
            #expect(new.values.count == old.values.count)
            #expect((new.alternative == nil) == (old.alternative == nil))
            for i in old.values.indices {
                let slack = blocked ? allowance * scale[i] : 0
                #expect(same(new.values[i], old.values[i]) || abs(new.values[i] - old.values[i]) <= slack, "value \(i)")
                for (a, b) in [(new.standard[i], old.standard[i]), (new.functional[i], old.functional[i]), (new.unavoidable[i], old.unavoidable[i])] {
                    #expect(same(a, b) || abs(a - b) <= slack + 0x1p-50 * abs(b), "tolerance \(i): \(a) against \(b)")
                }
                if let alternative = old.alternative, let other = new.alternative {
                    #expect(same(other[i], alternative[i]) || abs(other[i] - alternative[i]) <= slack, "alternative \(i)")
                }
            }
            if !blocked {
                #expect(zip(new.values, old.values).allSatisfy(same), "\(testCase.id): only a blocked GEMM may differ")
            }
        }
    }
}
