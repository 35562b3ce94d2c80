/// Reads typed values out of YAML nodes, throwing errors that point at the offending node.
struct ProfileDecoder {
    let source: ProfileSource

    /// Reads `node` as a mapping; see `MappingFields`.
    func mapping(_ node: YAMLNode, at path: FieldPath) throws(ProfileError) -> MappingFields {
        try MappingFields(node, at: path, decoder: self)
    }

    /// Any scalar but null, as written.
    func string(_ node: YAMLNode, at path: FieldPath) throws(ProfileError) -> String {
        guard let text = node.scalarText, !node.isNull else {
            throw wrongType(node, at: path, expected: "a string")
        }
        return text
    }

    /// A string with at least one non-whitespace character.
    func nonEmptyString(_ node: YAMLNode, at path: FieldPath) throws(ProfileError) -> String {
        let text = try string(node, at: path)
        guard text.contains(where: { !$0.isWhitespace }) else {
            throw badValue(node, at: path, "\(path.asSubject) must not be empty")
        }
        return text
    }

    /// The one of `options` whose raw value the node spells; the message lists them in this order.
    func choice<T: RawRepresentable>(_ options: [T], _ node: YAMLNode, at path: FieldPath) throws(ProfileError) -> T
    where T.RawValue == String {
        let text = try string(node, at: path)
        guard let value = options.first(where: { $0.rawValue == text }) else {
            let options = options.map(\.rawValue).joined(separator: ", ")
            throw badValue(node, at: path, "\(path.asSubject) must be one of \(options); got \(quoted(text))")
        }
        return value
    }

    /// A plain decimal integer within `range`.
    func integer(_ node: YAMLNode, at path: FieldPath, in range: ClosedRange<Int>) throws(ProfileError) -> Int {
        guard let text = integerText(node) else {
            throw wrongType(node, at: path, expected: "an integer")
        }
        // Int(_:) returns nil rather than trapping on a value too large for Int.
        guard let value = Int(text), range.contains(value) else {
            throw badValue(
                node,
                at: path,
                "\(path.asSubject) must be an integer from \(range.lowerBound) to \(range.upperBound), got \(quoted(text))"
            )
        }
        return value
    }

    /// The text of a plain scalar spelling a decimal integer, `[-+]?[0-9]+`.
    func integerText(_ node: YAMLNode) -> String? {
        guard case .scalar(let text, isPlain: true) = node.content else { return nil }
        var digits = Substring(text)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return text
    }

    /// A positive, finite number written as a plain YAML integer or float.
    func positiveNumber(_ node: YAMLNode, at path: FieldPath) throws(ProfileError) -> Double {
        try finiteNumber(node, at: path, "a positive number") { $0 > 0 }
    }

    /// A finite number ≥ 0 written as a plain YAML integer or float.
    func nonNegativeNumber(_ node: YAMLNode, at path: FieldPath) throws(ProfileError) -> Double {
        try finiteNumber(node, at: path, "a number of at least 0") { $0 >= 0 }
    }

    /// A finite number that `accepts`, or an error saying it must be `what`.
    private func finiteNumber(_ node: YAMLNode, at path: FieldPath, _ what: String, _ accepts: (Double) -> Bool)
        throws(ProfileError) -> Double
    {
        let value = try number(node, at: path)
        guard accepts(value), value.isFinite else {
            throw badValue(node, at: path, "\(path.asSubject) must be \(what), got \(quoted(node.scalarText ?? ""))")
        }
        return value
    }

    /// A number written as a plain YAML 1.2 core-schema integer or float, `.inf` and `.nan` included.
    func number(_ node: YAMLNode, at path: FieldPath) throws(ProfileError) -> Double {
        guard case .scalar(let text, isPlain: true) = node.content, let value = Self.parseNumber(text) else {
            throw wrongType(node, at: path, expected: "a number")
        }
        return value
    }

    /// Parses `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?.inf` and `.nan`;
    /// nil for anything else, including forms `Double(_:)` would accept (`0x1p3`, `inf`).
    static func parseNumber(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        var mantissaDigits = digits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            mantissaDigits += digits()
        }
        guard mantissaDigits > 0 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            guard digits() > 0 else { return nil }
        }
        guard index == bytes.count else { return nil }
        // The grammar above is a subset of what Double(_:) parses; out-of-range values become ±inf or 0.
        return Double(text)
    }

    func wrongType(_ node: YAMLNode, at path: FieldPath, expected: String) -> ProfileError {
        source.error(
            .wrongType,
            "\(path.asSubject) must be \(expected), got \(node.typeDescription)",
            at: node.mark,
            keyPath: path.components.isEmpty ? nil : path.dotted
        )
    }

    func badValue(_ node: YAMLNode, at path: FieldPath, _ message: String) -> ProfileError {
        source.error(.badValue, message, at: node.mark, keyPath: path.components.isEmpty ? nil : path.dotted)
    }
}
