/// An IEEE-754 rounding direction used when narrowing a value to a dtype.
package enum RoundingMode: String, Sendable, Codable {
    /// Round to the nearest representable value; ties go to the one with an even last bit.
    case nearestEven = "nearest-even"
    /// Round toward zero (truncate); overflow saturates at the largest finite value.
    case towardZero = "toward-zero"
}
