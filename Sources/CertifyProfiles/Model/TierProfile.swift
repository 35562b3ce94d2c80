/// A user tier (`Profiles/tiers/*.yaml`): the certification level a class of user requires.
package struct TierProfile: Sendable, Equatable {
    /// The profile schema version; always 1 for a loaded profile.
    package var schema: Int
    /// Stable identifier: lowercase letters, digits and '-'.
    package var id: String
    /// Display name.
    package var name: String
    /// The level required, 1...3 for L1...L3.
    package var requiredLevel: Int
    /// Multiplier on the battery's tolerances, in (0, 1]; 1 when the profile omits it.
    package var toleranceScale: Double
    /// The file path as given to the loader, not resolved.
    package var path: String

    package init(schema: Int, id: String, name: String, requiredLevel: Int, toleranceScale: Double, path: String) {
        self.schema = schema
        self.id = id
        self.name = name
        self.requiredLevel = requiredLevel
        self.toleranceScale = toleranceScale
        self.path = path
    }
}
