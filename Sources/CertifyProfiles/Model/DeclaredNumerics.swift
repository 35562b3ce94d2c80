import CertifyNumerics
/// The numerics the backend declares, from which the battery derives its tolerances.
package struct DeclaredNumerics: Sendable, Equatable {
    /// Accumulation type per storage dtype; holds at least one entry.
    package var accumulation: [DType: DType]
    package var denormals: DeclaredDenormals
    package var rounding: DeclaredRounding
    /// Per kernel name, where intermediate results live between the kernel's steps; a kernel not
    /// listed keeps them in the accumulation type.
    package var intermediates: [String: DeclaredIntermediates]

    package init(
        accumulation: [DType: DType], denormals: DeclaredDenormals, rounding: DeclaredRounding,
        intermediates: [String: DeclaredIntermediates] = [:]
    ) {
        (self.accumulation, self.denormals, self.rounding) = (accumulation, denormals, rounding)
        self.intermediates = intermediates
    }
}
