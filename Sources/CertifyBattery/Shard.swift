/// `--shard I/N`: the I-th of N deterministic parts of a suite, 1-based (1/2 and 2/2 are a
/// suite's two halves), balanced by `BatteryCase.estimatedCost`, not by case count.
package struct Shard: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// 1-based: 1…count.
    package var index: Int
    package var count: Int

    package init(index: Int, count: Int) {
        precondition((1...count).contains(index), "shard \(index)/\(count) is not within 1…\(count)")
        (self.index, self.count) = (index, count)
    }

    /// Parses "I/N" with 1 ≤ I ≤ N ≤ 1000; nil otherwise.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), (1...1000).contains(count),
            (1...count).contains(index)
        else { return nil }
        self.init(index: index, count: count)
    }

    package var description: String { "\(index)/\(count)" }

    /// This shard's cases of `cases`, in their order.
    package func cases(of cases: [BatteryCase]) -> [BatteryCase] {
        let assignment = Self.assignment(cases, count: count)
        return zip(cases, assignment).filter { $0.1 == index }.map(\.0)
    }

    /// The shard (1…count) of each case of `cases`: longest-processing-time first, each case in
    /// turn from the costliest (ties by id) to the shard with the least cost so far (ties to the
    /// lowest index). Deterministic: it depends on the cases' ids and shapes only.
    package static func assignment(_ cases: [BatteryCase], count: Int) -> [Int] {
        var load = [Double](repeating: 0, count: count)
        var shardOf = [Int](repeating: 0, count: cases.count)
        let order = cases.indices.sorted { a, b in
            let (ca, cb) = (cases[a].estimatedCost, cases[b].estimatedCost)
            return ca != cb ? ca > cb : cases[a].id < cases[b].id
        }
        for position in order {
            let lightest = load.indices.min { load[$0] < load[$1] || (load[$0] == load[$1] && $0 < $1) }!
            load[lightest] += cases[position].estimatedCost
            shardOf[position] = lightest + 1
        }
        return shardOf
    }
}

extension BatteryCase {
    /// The host work a case costs a run, in FLOP-equivalents, for balancing shards: a fixed part
    /// (the timed loop's minimum time, the round trip to the worker), the backend's executions
    /// (warm-up, timed calls, repeated runs and the second input set: `executions` × FLOPs and
    /// bytes moved), and the fp64 oracle on two input sets with input generation
    /// (`oracleFactor` × the same work each, as the reference runs unvectorised in double).
    package var estimatedCost: Double {
        let work = flops + Double(bytes)
        return Self.fixedCost + Self.executions * work + 2 * Self.oracleFactor * work
    }

    /// ≈ 10 ms of the timed loop's minimum time at the ~1 GFLOP/s a host backend reaches.
    static let fixedCost = 1e7
    /// Warm-up 3, at least 25 timed calls, a second run and the second input set.
    static let executions = 30.0
    /// The fp64 reference and input generation cost several times one fp32 execution per element.
    static let oracleFactor = 8.0
}
