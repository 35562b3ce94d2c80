/// A profile being loaded: its path as given and its text, for locating errors.
struct ProfileSource: Sendable {
    let path: String
    let text: SourceText

    /// An error at `mark`, quoting the source line it points into.
    func error(_ kind: ProfileError.Kind, _ message: String, at mark: YAMLMark, keyPath: String? = nil) -> ProfileError
    {
        ProfileError(
            kind: kind,
            path: path,
            line: mark.line,
            column: mark.column,
            keyPath: keyPath,
            message: message,
            sourceLine: text.line(mark.line)
        )
    }

    /// An error about the file as a whole, reported at 1:1 without a source line.
    func fileError(_ kind: ProfileError.Kind, _ message: String) -> ProfileError {
        ProfileError(kind: kind, path: path, line: 1, column: 1, keyPath: nil, message: message, sourceLine: nil)
    }

    /// libyaml's failure as a syntax error, in libyaml's words.
    func syntaxError(_ failure: LibYAMLFailure) -> ProfileError {
        let mark: YAMLMark
        switch failure.location {
        case .mark(let location): mark = location
        case .byteOffset(let offset): mark = text.mark(ofByte: offset)
        }
        let words = [failure.problem, failure.context].compactMap { $0 }.joined(separator: " ")
        return error(.syntax, "YAML syntax error: \(words)", at: mark)
    }
}
