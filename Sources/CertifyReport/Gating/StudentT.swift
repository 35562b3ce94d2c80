import Foundation

/// Student's t distribution: its upper tail and the inverse, for the gate's paired latency tests.
package enum StudentT {
    /// P(T ≥ t) for T with `df` degrees of freedom (df > 0).
    package static func upperTail(_ t: Double, df: Double) -> Double {
        guard t.isFinite else { return t > 0 ? 0 : 1 }
        // P(|T| ≥ |t|) = I_x(df/2, 1/2) with x = df / (df + t²).
        let half = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5)
        return t >= 0 ? half : 1 - half
    }

    /// The t with P(T ≥ t) = p, for 0 < p < 0.5.
    package static func critical(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 0.5, "a one-sided critical value needs 0 < p < 0.5")
        var low = 0.0
        var high = 1.0
        while upperTail(high, df: df) > p && high < 1e12 { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if upperTail(middle, df: df) > p { low = middle } else { high = middle }
        }
        return high
    }

    /// I_x(a, b), by the continued fraction of Numerical Recipes' `betai`.
    static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logGammas + logPowers)
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a, b) / a }
        return 1 - front * continuedFraction(1 - x, b, a) / b
    }

    private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        func guarded(_ value: Double) -> Double { abs(value) < tiny ? tiny : value }
        var c = 1.0
        var d = 1 / guarded(1 - (a + b) * x / (a + 1))
        var h = d
        for step in 1...500 {
            let m = Double(step)
            let even: Double = m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m))
            d = 1 / guarded(1 + even * d)
            c = guarded(1 + even / c)
            h *= d * c
            let oddNumerator: Double = -(a + m) * (a + b + m) * x
            let odd: Double = oddNumerator / ((a + 2 * m) * (a + 1 + 2 * m))
            d = 1 / guarded(1 + odd * d)
            c = guarded(1 + odd / c)
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
