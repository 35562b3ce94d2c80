import CertifyBattery
import Testing

@Suite struct ShardTests {
    @Test(arguments: [("1/2", 1, 2), ("2/2", 2, 2), ("1/1", 1, 1), ("7/1000", 7, 1000)])
    func parsesIOfN(_ text: String, _ index: Int, _ count: Int) throws {
        let shard = try #require(Shard(text))
        #expect(shard == Shard(index: index, count: count))
        #expect(shard.description == text)
    }

    /// 1-based: 0/2 is not a shard, nor is I above N.
    @Test(arguments: ["0/2", "3/2", "1/0", "-1/2", "1/1001", "1", "1/2/3", "a/b", "", "/2", "1/"])
    func refusesWhatIsNotIOfN(_ text: String) {
        #expect(Shard(text) == nil)
    }

    /// Every case is in exactly one shard, each shard keeps the suite's order, and 1/1 is the suite.
    @Test(arguments: Suite.allCases, [1, 2, 3, 7])
    func theShardsPartitionTheSuite(_ suite: Suite, _ count: Int) {
        let cases = Battery.cases(suite)
        let shards = (1...count).map { Shard(index: $0, count: count).cases(of: cases).map(\.id) }
        #expect(shards.flatMap { $0 }.sorted() == cases.map(\.id).sorted())
        #expect(Set(shards.flatMap { $0 }).count == cases.count)
        let position = Dictionary(uniqueKeysWithValues: cases.enumerated().map { ($1.id, $0) })
        #expect(shards.allSatisfy { ids in zip(ids, ids.dropFirst()).allSatisfy { position[$0]! < position[$1]! } })
        if count == 1 { #expect(shards[0] == cases.map(\.id)) }
    }

    /// Longest-processing-time first: no shard exceeds the mean by more than the costliest case,
    /// so the cost, not the count, is balanced.
    @Test(arguments: Suite.allCases, [2, 3, 4])
    func theShardsAreBalancedByEstimatedCost(_ suite: Suite, _ count: Int) {
        let cases = Battery.cases(suite)
        let costs = (1...count).map { Shard(index: $0, count: count).cases(of: cases).map(\.estimatedCost).reduce(0, +) }
        let total = cases.map(\.estimatedCost).reduce(0, +)
        let costliest = cases.map(\.estimatedCost).max()!
        #expect(costs.allSatisfy { $0 <= total / Double(count) + costliest })
        #expect(abs(costs.reduce(0, +) - total) <= total * 1e-12)
    }

    /// The full suite's cases differ in cost by orders of magnitude: halves by count would not be halves by cost.
    @Test func aCaseCostsItsWorkNotOneUnit() throws {
        let cases = Battery.cases(.full)
        let costs = cases.map(\.estimatedCost)
        #expect(costs.max()! > 1000 * costs.min()!)
        let halves = (1...2).map { Shard(index: $0, count: 2).cases(of: cases) }
        #expect(halves[0].count != halves[1].count)
    }

    @Test func theAssignmentIsDeterministic() {
        let cases = Battery.cases(.standard)
        #expect(Shard.assignment(cases, count: 3) == Shard.assignment(cases, count: 3))
        #expect(Shard.assignment(cases.reversed(), count: 3) == Shard.assignment(cases, count: 3).reversed())
    }
}
