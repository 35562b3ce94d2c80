/// The rounding the backend declares for narrowing conversions.
package enum DeclaredRounding: String, Sendable {
    case nearestEven = "nearest-even"
    case towardZero = "toward-zero"
}
