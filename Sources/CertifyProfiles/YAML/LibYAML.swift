internal import CYAML

/// A pull parser over libyaml's event API; the only code in the module that calls libyaml.
///
/// It owns a copy of the input because libyaml keeps a pointer to it for the parser's lifetime.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    init(bytes: [UInt8]) throws(LibYAMLFailure) {
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        // yaml_parser_initialize fails only when it cannot allocate its buffers; it cleans up after
        // itself, and yaml_parser_delete in deinit is still safe on the zeroed structure.
        guard yaml_parser_initialize(parser) != 0 else {
            throw LibYAMLFailure(
                problem: "cannot allocate a YAML parser",
                context: nil,
                location: .mark(YAMLMark(line: 1, column: 1))
            )
        }
        // Encoding is left for libyaml to detect so that it skips a UTF-8 BOM without counting
        // it as a column.
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deinitialize(count: 1)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event of the stream (`yaml_parser_parse`).
    func next() throws(LibYAMLFailure) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) != 0 else { throw failure() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_STREAM_END_EVENT:
            return .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", mark)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text: String
            if let value = scalar.value {
                // The value may hold NUL (a "\0" escape), so it is read by length, not as a C string.
                text = String(decoding: UnsafeBufferPointer(start: value, count: scalar.length), as: UTF8.self)
            } else {
                text = ""
            }
            return .scalar(
                text: text,
                isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE,
                anchor: Self.string(scalar.anchor),
                tag: Self.string(scalar.tag),
                mark
            )
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(anchor: Self.string(start.anchor), tag: Self.string(start.tag), mark)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(anchor: Self.string(start.anchor), tag: Self.string(start.tag), mark)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            throw LibYAMLFailure(problem: "unexpected parser event", context: nil, location: .mark(mark))
        }
    }

    private func failure() -> LibYAMLFailure {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "out of memory"
        let context = state.context.map { String(cString: $0) }
        // Reader errors carry a byte offset instead of a mark.
        let location: LibYAMLFailure.Location =
            state.error == YAML_READER_ERROR ? .byteOffset(state.problem_offset) : .mark(YAMLMark(state.problem_mark))
        return LibYAMLFailure(problem: problem, context: context, location: location)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}

/// libyaml's own account of why it stopped, in its own words.
struct LibYAMLFailure: Error {
    enum Location {
        case mark(YAMLMark)
        case byteOffset(Int)
    }

    var problem: String
    var context: String?
    var location: Location
}

extension YAMLMark {
    fileprivate init(_ mark: yaml_mark_t) {
        self.init(line: Int(clamping: mark.line) &+ 1, column: Int(clamping: mark.column) &+ 1)
    }
}
