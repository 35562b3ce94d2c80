/// The entries of one YAML mapping, checked for string keys and duplicates, looked up by key.
struct MappingFields {
    struct Entry {
        var key: String
        var keyMark: YAMLMark
        var value: YAMLNode
        var path: FieldPath
    }

    let path: FieldPath
    let mark: YAMLMark
    /// Entries in file order.
    let entries: [Entry]
    private let decoder: ProfileDecoder
    private let index: [String: Int]

    /// Reads `node` as the mapping at `path`; throws if it is not one, or if a key is not a
    /// string or repeats.
    init(_ node: YAMLNode, at path: FieldPath, decoder: ProfileDecoder) throws(ProfileError) {
        guard case .mapping(let pairs) = node.content else {
            throw decoder.wrongType(node, at: path, expected: "a mapping")
        }
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        for pair in pairs {
            guard let key = pair.key.scalarText else {
                throw decoder.source.error(
                    .wrongType,
                    "a key \(path.asParent) must be a string, got \(pair.key.typeDescription)",
                    at: pair.key.mark,
                    keyPath: path.components.isEmpty ? nil : path.dotted
                )
            }
            let entryPath = path.appending(key)
            if let first = index[key] {
                throw decoder.source.error(
                    .duplicateKey,
                    "duplicate key \(quoted(key)) \(path.asParent) (first defined at line \(entries[first].keyMark.line))",
                    at: pair.key.mark,
                    keyPath: entryPath.dotted
                )
            }
            index[key] = entries.count
            entries.append(Entry(key: key, keyMark: pair.key.mark, value: pair.value, path: entryPath))
        }
        self.path = path
        self.mark = node.mark
        self.entries = entries
        self.decoder = decoder
        self.index = index
    }

    /// Throws for the first key, in file order, that is not in `allowed`, suggesting the
    /// closest allowed key.
    func rejectUnknownKeys(allowed: [String]) throws(ProfileError) {
        let known = Set(allowed)
        for entry in entries where !known.contains(entry.key) {
            var message = "unknown key \(quoted(entry.key)) \(path.asParent)"
            if let suggestion = KeySuggestion.closest(to: entry.key, among: allowed) {
                message += "; did you mean \(quoted(suggestion))?"
            }
            throw decoder.source.error(.unknownKey, message, at: entry.keyMark, keyPath: entry.path.dotted)
        }
    }

    /// The entry for `key`, if present.
    subscript(key: String) -> Entry? {
        index[key].map { entries[$0] }
    }

    /// The entry for `key`; throws a missing-key error at this mapping's mark when absent.
    func required(_ key: String) throws(ProfileError) -> Entry {
        guard let entry = self[key] else {
            throw decoder.source.error(
                .missingKey,
                "missing key \(quoted(key)) \(path.asParent)",
                at: mark,
                keyPath: path.appending(key).dotted
            )
        }
        return entry
    }
}
