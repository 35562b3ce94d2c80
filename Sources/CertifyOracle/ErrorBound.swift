/// Error-bound helpers used to derive tolerances (Higham, *Accuracy and Stability of Numerical
/// Algorithms*, 2nd ed., §3.1).
package enum ErrorBound {
    /// γ_n = n·u / (1 − n·u), the bound on |θ_n| for a product of n factors (1 + δ_i), |δ_i| ≤ u.
    ///
    /// A length-n dot product computed in precision u satisfies
    /// |computed − exact| ≤ γ_n·Σ|a_i·b_i|. Returns .infinity when n·u ≥ 1 (no bound), 0 for n = 0.
    package static func gamma(_ n: Int, unitRoundoff u: Double) -> Double {
        precondition(n >= 0, "gamma of negative length \(n)")
        precondition(u >= 0 && u < 1, "unit roundoff \(u) outside [0, 1)")
        let nu = Double(n) * u
        return nu >= 1 ? .infinity : nu / (1 - nu)
    }
}
