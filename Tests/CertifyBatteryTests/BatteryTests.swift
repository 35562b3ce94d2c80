import CertifyBattery
import CertifyNumerics
import Testing

@Suite struct BatteryTests {
    @Test(arguments: Suite.allCases)
    func idsAreUniqueAndEveryKernelIsCovered(_ suite: Suite) {
        let cases = Battery.cases(suite)
        #expect(Set(cases.map(\.id)).count == cases.count)
        #expect(Set(cases.map(\.kernel)) == Set(Kernel.allCases))
        #expect(cases.contains { $0.role == .edge })
    }

    /// A gather moves its indices and the rows it returns (read, then written), not the table:
    /// 16 tokens of a 65024 × 128 fp32 table move 16·4 + 2·16·128·4 bytes.
    @Test func anEmbeddingMovesItsRowsNotItsTable() throws {
        let embedding = try #require(Battery.cases(.standard).first { $0.id == "embedding.fp32.embed.16x65024x128" })
        #expect(embedding.bytes == 16 * 4 + 2 * 16 * 128 * 4)
    }

    @Test func inputsReproduceFromSeedAndIdAlone() {
        let testCase = Battery.cases(.quick)[0]
        let again = Battery.cases(.quick).first { $0.id == testCase.id }!
        #expect(testCase.inputs(seed: 42) == again.inputs(seed: 42))
        #expect(testCase.inputs(seed: 42) != testCase.inputs(seed: 43))
    }

    /// The second input set: the same generators, shapes and planted values on another stream,
    /// and the first set unchanged by its existence.
    @Test func aSecondInputSetIsAnotherDrawOfTheSameGenerators() {
        // Bit patterns: a planted NaN equals itself.
        func bits(_ inputs: [[Double]]) -> [[UInt64]] { inputs.map { $0.map(\.bitPattern) } }
        for testCase in Battery.cases(.quick) where !testCase.shape.contains(0) {
            let first = bits(testCase.inputs(seed: 42))
            let second = bits(testCase.inputs(seed: 42, set: 2))
            #expect(first == bits(testCase.inputs(seed: 42, set: 1)), "\(testCase.id)")
            #expect(second == bits(testCase.inputs(seed: 42, set: 2)), "\(testCase.id)")
            #expect(second.map(\.count) == first.map(\.count), "\(testCase.id)")
            #expect(second != first, "\(testCase.id)")
            let nans = { (inputs: [[Double]]) in inputs.map { values in values.indices.filter { values[$0].isNaN } } }
            #expect(nans(testCase.inputs(seed: 42)) == nans(testCase.inputs(seed: 42, set: 2)), "\(testCase.id)")
        }
    }

    @Test func int4PackingIsLowNibbleFirst() {
        #expect(TensorType.int4.encode([1, -1, -8, 7]) == [0xf1, 0x78])
        #expect(TensorType.int4.decode([0xf1, 0x78]) == [1, -1, -8, 7])
    }

}
