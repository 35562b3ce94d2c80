import Testing

@testable import CertifyReport

@Suite struct MannWhitneyTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var x: [Double]
        var y: [Double]
        var u: Double
        var p: Double
        var testDescription: String { "U \(u)" }
    }

    // Computed once with SciPy 1.x:
    //   python3 -c "import scipy.stats as s; r = s.mannwhitneyu(x, y, alternative='greater', method='asymptotic'); print(r.statistic, r.pvalue)"
    static let vectors: [Vector] = [
        Vector(
            x: [12, 15, 11, 19, 22, 14, 18, 20, 25, 16], y: [10, 9, 13, 11, 12, 8, 14, 10, 12, 11], u: 91.5,
            p: 0.0009321915619436907),
        Vector(
            x: [10, 9, 13, 11, 12, 8, 14, 10, 12, 11], y: [12, 15, 11, 19, 22, 14, 18, 20, 25, 16], u: 8.5,
            p: 0.999280980062219),
        Vector(x: [1, 2, 2, 3, 3, 3, 4], y: [2, 3, 3, 4, 4, 5, 5, 6], u: 11, p: 0.98122802559914),
    ]

    @Test(arguments: vectors) func matchesSciPy(_ vector: Vector) {
        let result = MannWhitney.greater(vector.x, than: vector.y)
        #expect(result.u == vector.u)
        #expect(abs(result.p - vector.p) < 1e-12 * max(1, vector.p) + 1e-15, "p \(result.p), SciPy \(vector.p)")
    }

    @Test func allTiedOrEmptyIsNoEvidence() {
        #expect(MannWhitney.greater([5, 5, 5], than: [5, 5]).p == 1)
        #expect(MannWhitney.greater([Double](), than: [1, 2]).p == 1)
    }
}
