/// Who made the chip and which one it is, as the report names it.
package struct ChipIdentity: Sendable, Equatable {
    package var vendor, family, model: String

    package init(vendor: String, family: String, model: String) {
        (self.vendor, self.family, self.model) = (vendor, family, model)
    }
}
