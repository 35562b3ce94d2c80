/// A composed YAML node that remembers where it was written.
struct YAMLNode: Sendable {
    struct Pair: Sendable {
        var key: YAMLNode
        var value: YAMLNode
    }

    enum Content: Sendable {
        /// `isPlain` is true for an untagged plain scalar, whose type follows from its text;
        /// quoted and block scalars, and `!!str`, are always strings.
        case scalar(String, isPlain: Bool)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    var content: Content
    var mark: YAMLMark

    /// The text of a scalar, nil for a collection.
    var scalarText: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// True for a plain scalar YAML reads as null: empty, `~` or `null`.
    var isNull: Bool {
        guard case .scalar(let text, isPlain: true) = content else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// How an error message names this node when it has the wrong type.
    var typeDescription: String {
        switch content {
        case .mapping: "a mapping"
        case .sequence: "a sequence"
        case .scalar(let text, isPlain: true): text.isEmpty ? "an empty value" : quoted(text)
        case .scalar: "a string"
        }
    }
}

/// `text` in single quotes, kept to one short line for a diagnostic.
func quoted(_ text: String) -> String {
    "'\(displayed(text))'"
}

/// `text` with control characters escaped and cut at `limit` characters, so a diagnostic that
/// quotes a key or value stays one readable line.
func displayed(_ text: String, limit: Int = 60) -> String {
    var result = ""
    var count = 0
    for scalar in text.unicodeScalars {
        if count == limit {
            result += "…"
            break
        }
        switch scalar {
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _
        where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}"
            || scalar == "\u{2029}":
            result += "\\u{\(String(scalar.value, radix: 16))}"
        default: result.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return result
}
