extension ProfileLoader {
    private static let tierFileKeys = ["schema", "description", "tier"]
    private static let tierKeys = [
        "id", "name", "required_level", "tolerance_scale", "latency_percentile", "iterations", "min_time_ms", "soak", "runs",
        "seed",
    ]
    private static let levels = ["L1": 1, "L2": 2, "L3": 3]

    static func decodeTier(_ root: YAMLNode, decoder: ProfileDecoder) throws(ProfileError) -> TierProfile {
        let fields = try decoder.mapping(root, at: .root)
        let schema = try decodeSchema(fields, decoder: decoder)
        try fields.rejectUnknownKeys(allowed: tierFileKeys)
        if let description = fields["description"] {
            _ = try decoder.string(description.value, at: description.path)
        }
        let tierEntry = try fields.required("tier")
        let tier = try decoder.mapping(tierEntry.value, at: tierEntry.path)
        try tier.rejectUnknownKeys(allowed: tierKeys)

        let idEntry = try tier.required("id")
        let id = try decoder.string(idEntry.value, at: idEntry.path)
        let idIsValid =
            !id.isEmpty
            && id.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-")
            }
        guard idIsValid else {
            throw decoder.badValue(
                idEntry.value,
                at: idEntry.path,
                "\(idEntry.path.asSubject) must be lowercase letters, digits and '-', got \(quoted(id))"
            )
        }

        let nameEntry = try tier.required("name")
        let name = try decoder.nonEmptyString(nameEntry.value, at: nameEntry.path)

        let levelEntry = try tier.required("required_level")
        let levelText = try decoder.string(levelEntry.value, at: levelEntry.path)
        guard let level = levels[levelText] else {
            throw decoder.badValue(
                levelEntry.value,
                at: levelEntry.path,
                "\(levelEntry.path.asSubject) must be one of L1, L2, L3; got \(quoted(levelText))"
            )
        }

        var toleranceScale = 1.0
        if let scaleEntry = tier["tolerance_scale"] {
            toleranceScale = try decoder.number(scaleEntry.value, at: scaleEntry.path)
            guard toleranceScale > 0, toleranceScale <= 1 else {
                let written = quoted(scaleEntry.value.scalarText ?? "")
                throw decoder.badValue(
                    scaleEntry.value,
                    at: scaleEntry.path,
                    "\(scaleEntry.path.asSubject) must be a positive number no greater than 1, got \(written)"
                )
            }
        }
        var profile = TierProfile(
            schema: schema,
            id: id,
            name: name,
            requiredLevel: level,
            toleranceScale: toleranceScale,
            path: decoder.source.path
        )
        if let entry = tier["latency_percentile"] {
            profile.latencyPercentile = try decoder.choice(BudgetPercentile.allCases, entry.value, at: entry.path)
        }
        if let entry = tier["iterations"] {
            profile.iterations = try decoder.integer(entry.value, at: entry.path, in: 1...1_000_000)
        }
        if let entry = tier["min_time_ms"] {
            profile.minTimeMilliseconds = try decoder.positiveNumber(entry.value, at: entry.path)
        }
        if let entry = tier["soak"] {
            profile.soak = try decoder.integer(entry.value, at: entry.path, in: 0...1_000_000)
        }
        if let entry = tier["runs"] {
            profile.runs = try decoder.integer(entry.value, at: entry.path, in: 1...1000)
        }
        if let entry = tier["seed"] {
            profile.requiresDrawnSeed = try decoder.choice(TierSeedPolicy.allCases, entry.value, at: entry.path) == .drawn
        }
        return profile
    }
}
