/// A Double that any encoder can write: finite values as numbers, the rest as "inf", "-inf", "nan".
///
/// JSONEncoder throws on non-finite numbers unless every caller configures it; wrapping the value
/// keeps the format the same whoever encodes it. Decoding accepts a number or one of the strings.
package struct PortableDouble: Codable, Sendable, Hashable {
    /// The wrapped value.
    package var value: Double

    /// Wraps `value`.
    package init(_ value: Double) {
        self.value = value
    }

    /// Reads a number, or "inf", "-inf" or "nan".
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        switch text {
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        case "nan": value = .nan
        default:
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a number, \"inf\", \"-inf\" or \"nan\", found \"\(text)\"")
        }
    }

    /// Writes a number, or "inf", "-inf" or "nan" for non-finite values.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite {
            try container.encode(value)
        } else if value.isNaN {
            try container.encode("nan")
        } else {
            try container.encode(value < 0 ? "-inf" : "inf")
        }
    }
}
