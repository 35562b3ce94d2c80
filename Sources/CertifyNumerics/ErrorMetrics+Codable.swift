extension ErrorMetrics: Codable {
    private enum CodingKeys: String, CodingKey {
        case count, maxAbsError, maxRelError, maxULP
        case worstIndex, worstActual, worstReference, worstTolerance
        case outOfTolerance, fractionOutOfTolerance, nonFiniteMismatches, cosineSimilarity
    }

    /// Decodes figures written by `encode(to:)`, accepting "inf", "-inf" and "nan" for doubles.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        maxAbsError = try container.decode(PortableDouble.self, forKey: .maxAbsError).value
        maxRelError = try container.decode(PortableDouble.self, forKey: .maxRelError).value
        maxULP = try container.decode(PortableDouble.self, forKey: .maxULP).value
        worstIndex = try container.decodeIfPresent(Int.self, forKey: .worstIndex)
        worstActual = try container.decodeIfPresent(PortableDouble.self, forKey: .worstActual)?.value
        worstReference = try container.decodeIfPresent(PortableDouble.self, forKey: .worstReference)?.value
        worstTolerance = try container.decodeIfPresent(PortableDouble.self, forKey: .worstTolerance)?.value
        outOfTolerance = try container.decode(Int.self, forKey: .outOfTolerance)
        fractionOutOfTolerance = try container.decode(PortableDouble.self, forKey: .fractionOutOfTolerance).value
        nonFiniteMismatches = try container.decode(Int.self, forKey: .nonFiniteMismatches)
        cosineSimilarity = try container.decodeIfPresent(PortableDouble.self, forKey: .cosineSimilarity)?.value
    }

    /// Encodes finite doubles as JSON numbers and non-finite ones as "inf", "-inf" or "nan"; nil
    /// optionals are omitted.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(PortableDouble(maxAbsError), forKey: .maxAbsError)
        try container.encode(PortableDouble(maxRelError), forKey: .maxRelError)
        try container.encode(PortableDouble(maxULP), forKey: .maxULP)
        try container.encodeIfPresent(worstIndex, forKey: .worstIndex)
        try container.encodeIfPresent(worstActual.map(PortableDouble.init), forKey: .worstActual)
        try container.encodeIfPresent(worstReference.map(PortableDouble.init), forKey: .worstReference)
        try container.encodeIfPresent(worstTolerance.map(PortableDouble.init), forKey: .worstTolerance)
        try container.encode(outOfTolerance, forKey: .outOfTolerance)
        try container.encode(PortableDouble(fractionOutOfTolerance), forKey: .fractionOutOfTolerance)
        try container.encode(nonFiniteMismatches, forKey: .nonFiniteMismatches)
        try container.encodeIfPresent(cosineSimilarity.map(PortableDouble.init), forKey: .cosineSimilarity)
    }
}
