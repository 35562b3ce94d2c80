import Foundation

/// The Mann–Whitney U test, one-sided, by the normal approximation with tie and continuity
/// corrections (scipy.stats.mannwhitneyu's `method="asymptotic"`).
package enum MannWhitney {
    /// The outcome of one test.
    package struct Result: Sendable, Equatable {
        /// U of the first sample: the pairs (x, y) with x > y, ties counting one half.
        package var u: Double
        /// The standard normal deviate, continuity-corrected.
        package var z: Double
        /// P(U ≥ u) under the null hypothesis that both samples come from one distribution.
        package var p: Double
    }

    /// Tests whether `x` tends to be greater than `y` (the alternative "greater").
    ///
    /// Returns p = 1 when either sample is empty or every value is tied (no evidence).
    package static func greater<T: BinaryInteger>(_ x: [T], than y: [T]) -> Result {
        greater(x.map { Double($0) }, than: y.map { Double($0) })
    }

    /// Tests whether `x` tends to be greater than `y` (the alternative "greater").
    package static func greater(_ x: [Double], than y: [Double]) -> Result {
        let n1 = Double(x.count)
        let n2 = Double(y.count)
        guard n1 > 0, n2 > 0 else { return Result(u: 0, z: 0, p: 1) }
        let pooled = (x.map { ($0, true) } + y.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var rankSumX = 0.0
        var tieTerm = 0.0
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count && pooled[end + 1].0 == pooled[start].0 { end += 1 }
            // Ranks are 1-based; a run of ties shares the mean of its ranks.
            let rank = Double(start + end + 2) / 2
            let t = Double(end - start + 1)
            tieTerm += t * t * t - t
            rankSumX += rank * Double(pooled[start...end].filter { $0.1 }.count)
            start = end + 1
        }
        let u = rankSumX - n1 * (n1 + 1) / 2
        let n = n1 + n2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return Result(u: u, z: 0, p: 1) }
        let z = (u - mean - 0.5) / variance.squareRoot()
        return Result(u: u, z: z, p: 0.5 * erfc(z / 2.squareRoot()))
    }
}
