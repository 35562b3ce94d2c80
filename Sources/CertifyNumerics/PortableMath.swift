/// Elementary functions built only from correctly rounded IEEE operations, so that their
/// results are the same on every platform (unlike the system libm).
package enum PortableMath {
    /// Natural logarithm of a positive finite x, within a few ulp of the true value.
    ///
    /// x = m·2^e with m in [√½, √2); ln m = 2·atanh(s) with s = (m − 1)/(m + 1), summed as an
    /// odd series in s to 1e-17; ln 2 is split in two parts so e·ln 2 stays accurate.
    /// Returns NaN for x < 0 or NaN, −inf for 0, +inf for +inf.
    package static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return .infinity }
        var exponent = Double(x.exponent)
        var m = x.significand
        if m > 1.4142135623730951 {
            m /= 2
            exponent += 1
        }
        let s = (m - 1) / (m + 1)
        let z = s * s
        // |s| ≤ 0.1716, so z^k/(2k+1) < 1e-17 beyond k = 11.
        var series = 1.0 / 23.0
        for k in stride(from: 10, through: 1, by: -1) {
            series = series * z + 1 / Double(2 * k + 1)
        }
        let logM = 2 * s + 2 * s * z * series
        let ln2Hi = 6.93147180369123816490e-01
        let ln2Lo = 1.90821492927058770002e-10
        return exponent * ln2Hi + (exponent * ln2Lo + logM)
    }
}
