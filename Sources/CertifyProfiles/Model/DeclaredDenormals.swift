/// How the backend declares it treats subnormal inputs and results.
package enum DeclaredDenormals: String, Sendable {
    case preserve, flush
}
