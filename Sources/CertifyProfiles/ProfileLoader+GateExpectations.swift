extension ProfileLoader {
    private static let expectationKeys = ["schema", "description", "expected_failures", "flakes", "skips"]

    /// Loads the gate expectations file at `path`.
    package static func loadGateExpectations(path: String) throws(ProfileError) -> GateExpectations {
        try loadGateExpectations(bytes: readFile(path, what: "expectations"), path: path)
    }

    /// Loads gate expectations from their bytes; `path` names the file in errors and in the result.
    package static func loadGateExpectations(bytes: [UInt8], path: String) throws(ProfileError) -> GateExpectations {
        let (root, decoder) = try compose(bytes: bytes, path: path)
        let fields = try decoder.mapping(root, at: .root)
        let schema = try decodeSchema(fields, decoder: decoder)
        try fields.rejectUnknownKeys(allowed: expectationKeys)
        if let description = fields["description"] {
            _ = try decoder.string(description.value, at: description.path)
        }
        return GateExpectations(
            schema: schema,
            expectedFailures: try entries(fields["expected_failures"], reasonKey: "reason", decoder: decoder),
            flakes: try entries(fields["flakes"], reasonKey: "reason", decoder: decoder),
            skips: try entries(fields["skips"], reasonKey: "justification", decoder: decoder),
            path: path)
    }

    /// A list of `{case, <reasonKey>}` mappings; an empty or absent list is no entries.
    private static func entries(_ entry: MappingFields.Entry?, reasonKey: String, decoder: ProfileDecoder) throws(ProfileError)
        -> [GateExpectations.Entry]
    {
        guard let entry, !entry.value.isNull else { return [] }
        guard case .sequence(let items) = entry.value.content else {
            throw decoder.wrongType(entry.value, at: entry.path, expected: "a list")
        }
        var result: [GateExpectations.Entry] = []
        for (index, item) in items.enumerated() {
            let path = entry.path.appending(String(index))
            let fields = try decoder.mapping(item, at: path)
            try fields.rejectUnknownKeys(allowed: ["case", reasonKey])
            let caseEntry = try fields.required("case")
            let pattern = try decoder.nonEmptyString(caseEntry.value, at: caseEntry.path)
            if pattern.dropLast().contains("*") {
                throw decoder.badValue(
                    caseEntry.value, at: caseEntry.path,
                    "\(caseEntry.path.asSubject) may hold '*' only at its end, got \(quoted(pattern))")
            }
            let reasonEntry = try fields.required(reasonKey)
            let reason = try decoder.nonEmptyString(reasonEntry.value, at: reasonEntry.path)
            result.append(GateExpectations.Entry(pattern: pattern, reason: reason, line: item.mark.line))
        }
        return result
    }
}
