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

    @Test func int4PackingIsLowNibbleFirst() {
        #expect(TensorType.int4.encode([1, -1, -8, 7]) == [0xf1, 0x78])
        #expect(TensorType.int4.decode([0xf1, 0x78]) == [1, -1, -8, 7])
    }

}
