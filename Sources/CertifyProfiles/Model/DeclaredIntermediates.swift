/// Where a kernel keeps the intermediate results between its steps, as a chip profile declares it
/// under `numerics.intermediates`.
package enum DeclaredIntermediates: String, Sendable, CaseIterable {
    /// In the accumulation type (the default: nothing is rounded between steps).
    case accumulation
    /// Rounded to the case's storage dtype between steps: softmax's exp(x − max) kept in the output
    /// buffer before it is normalised, attention's probabilities cast to the storage dtype before
    /// they weigh V.
    case storage

    /// The kernels whose derived bound has a term for intermediates stored in the storage dtype.
    package static let kernels = ["softmax", "attention"]
}
