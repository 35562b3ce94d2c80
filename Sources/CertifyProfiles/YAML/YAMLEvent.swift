/// A 1-based position in a profile: line, and column counted in Unicode scalars.
struct YAMLMark: Equatable, Sendable {
    var line: Int
    var column: Int

    static let start = YAMLMark(line: 1, column: 1)
}

/// One libyaml parser event, copied out of C memory.
enum YAMLEvent {
    case streamStart
    case streamEnd
    case documentStart(YAMLMark)
    case documentEnd
    case alias(anchor: String, YAMLMark)
    case scalar(text: String, isPlain: Bool, anchor: String?, tag: String?, YAMLMark)
    case sequenceStart(anchor: String?, tag: String?, YAMLMark)
    case sequenceEnd
    case mappingStart(anchor: String?, tag: String?, YAMLMark)
    case mappingEnd
}
