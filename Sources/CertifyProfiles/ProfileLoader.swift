/// Loads chip and tier profiles from YAML, with every error located at a line and column.
package enum ProfileLoader {
    /// The largest profile accepted, in bytes (1 MiB).
    package static let maximumFileSize = 1 << 20

    /// Loads the chip profile at `path`.
    ///
    /// - Parameter budgetKeys: the kernel names and case ids a budget may name; when given, any
    ///   other key under `latency.budgets` is an unknown key.
    package static func loadChip(path: String, budgetKeys: Set<String>? = nil) throws(ProfileError) -> ChipProfile {
        try loadChip(bytes: readFile(path), path: path, budgetKeys: budgetKeys)
    }

    /// Loads a chip profile from its bytes; `path` names it in errors and in the result.
    package static func loadChip(bytes: [UInt8], path: String, budgetKeys: Set<String>? = nil) throws(ProfileError)
        -> ChipProfile
    {
        let (root, decoder) = try compose(bytes: bytes, path: path)
        return try decodeChip(root, decoder: decoder, budgetKeys: budgetKeys)
    }

    /// Loads the tier profile at `path`.
    package static func loadTier(path: String) throws(ProfileError) -> TierProfile {
        try loadTier(bytes: readFile(path), path: path)
    }

    /// Loads a tier profile from its bytes; `path` names it in errors and in the result.
    package static func loadTier(bytes: [UInt8], path: String) throws(ProfileError) -> TierProfile {
        let (root, decoder) = try compose(bytes: bytes, path: path)
        return try decodeTier(root, decoder: decoder)
    }

    /// The file's bytes, at most `maximumFileSize` of them; `what` names the kind of file in the
    /// message about a file too large ("profiles", "expectations").
    static func readFile(_ path: String, what: String = "profiles") throws(ProfileError) -> [UInt8] {
        do {
            return try FileReader.contents(ofFile: path, limit: maximumFileSize)
        } catch {
            switch error {
            case .unreadable(let reason):
                throw ProfileError(kind: .unreadable, path: path, line: 0, column: 0, message: "cannot read file: \(reason)")
            case .tooLarge(let size):
                throw tooLarge(path: path, size: size, what: what)
            }
        }
    }

    private static func tooLarge(path: String, size: Int?, what: String = "profiles") -> ProfileError {
        let size = size.map { "\($0) bytes" } ?? "more than \(maximumFileSize) bytes"
        return ProfileError(
            kind: .tooLarge, path: path, line: 1, column: 1, message: "file is \(size); \(what) are limited to \(maximumFileSize) bytes")
    }

    /// Checks the bytes and composes their single document; the root is never nil.
    static func compose(bytes: [UInt8], path: String) throws(ProfileError) -> (YAMLNode, ProfileDecoder) {
        guard bytes.count <= maximumFileSize else { throw tooLarge(path: path, size: bytes.count) }
        let source = ProfileSource(path: path, text: SourceText(bytes: bytes))
        try Preflight.check(source)
        // A stream with no document, or a document with no content ("---" alone), is empty.
        guard let root = try YAMLComposer.compose(source), !(root.isNull && root.scalarText == "") else {
            throw source.fileError(.empty, "file is empty")
        }
        return (root, ProfileDecoder(source: source))
    }

    /// Checks `schema` before anything else, so a newer profile reports its version rather
    /// than the keys this certify does not know.
    static func decodeSchema(_ fields: MappingFields, decoder: ProfileDecoder) throws(ProfileError) -> Int {
        let entry = try fields.required("schema")
        guard let text = decoder.integerText(entry.value) else {
            throw decoder.wrongType(entry.value, at: entry.path, expected: "an integer")
        }
        guard let schema = Int(text), schema == 1 else {
            let shown = Int(text).map(String.init) ?? text
            throw decoder.source.error(
                .unsupportedSchema,
                "unsupported schema \(shown); this certify reads schema 1",
                at: entry.value.mark,
                keyPath: entry.path.dotted
            )
        }
        return schema
    }
}
