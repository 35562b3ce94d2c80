/// Who made the chip and which one it is, as the report names it.
package struct ChipIdentity: Sendable, Equatable {
    package var vendor: String
    package var family: String
    package var model: String

    package init(vendor: String, family: String, model: String) {
        self.vendor = vendor
        self.family = family
        self.model = model
    }
}
