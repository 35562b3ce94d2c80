/// A chip profile (`Profiles/<chip>.yaml`): what the vendor declares about a chip and its backend.
package struct ChipProfile: Sendable, Equatable {
    /// The profile schema version; always 1 for a loaded profile.
    package var schema: Int
    package var chip: ChipIdentity
    package var peaks: DeclaredPeaks
    package var backend: BackendSpec
    package var numerics: DeclaredNumerics
    package var latency: LatencySpec
    /// The file path as given to the loader, not resolved.
    package var path: String

    package init(
        schema: Int,
        chip: ChipIdentity,
        peaks: DeclaredPeaks,
        backend: BackendSpec,
        numerics: DeclaredNumerics,
        latency: LatencySpec,
        path: String
    ) {
        (self.schema, self.chip, self.peaks, self.backend, self.numerics) = (schema, chip, peaks, backend, numerics)
        (self.latency, self.path) = (latency, path)
    }
}
