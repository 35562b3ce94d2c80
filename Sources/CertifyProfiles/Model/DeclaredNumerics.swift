/// The numerics the backend declares, from which the battery derives its tolerances.
package struct DeclaredNumerics: Sendable, Equatable {
    /// Accumulation type per storage dtype; holds at least one entry.
    package var accumulation: [ProfileDType: ProfileDType]
    package var denormals: DeclaredDenormals
    package var rounding: DeclaredRounding

    package init(accumulation: [ProfileDType: ProfileDType], denormals: DeclaredDenormals, rounding: DeclaredRounding) {
        self.accumulation = accumulation
        self.denormals = denormals
        self.rounding = rounding
    }
}
