/// The raw bytes of a profile with the line structure libyaml sees in them.
///
/// Lines break where libyaml breaks them: at LF, CR LF, a lone CR, NEL, LS and PS, so that a
/// line number from a libyaml mark names the same text here. A leading UTF-8 BOM belongs to no line.
struct SourceText: Sendable {
    let bytes: [UInt8]
    /// Byte range of each line's text, line break excluded; index 0 is line 1.
    private let lines: [Range<Int>]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        var lines: [Range<Int>] = []
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var index = start
        while index < bytes.count {
            let width = Self.lineBreakWidth(bytes, at: index)
            if width > 0 {
                lines.append(start..<index)
                index += width
                start = index
            } else {
                index += 1
            }
        }
        lines.append(start..<bytes.count)
        self.lines = lines
    }

    var lineCount: Int { lines.count }

    /// Byte range of line `number` (1-based) without its line break.
    func byteRange(ofLine number: Int) -> Range<Int>? {
        guard number >= 1, number <= lines.count else { return nil }
        return lines[number - 1]
    }

    /// The text of line `number` (1-based) without its line break; invalid UTF-8 shows as U+FFFD.
    func line(_ number: Int) -> String? {
        guard let range = byteRange(ofLine: number) else { return nil }
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// The line and column of the byte at `offset`, the column counted in Unicode scalars.
    func mark(ofByte offset: Int) -> YAMLMark {
        let offset = min(max(offset, 0), bytes.count)
        // The last line starting at or before `offset`.
        var low = 0
        var high = lines.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lines[middle].lowerBound <= offset { low = middle } else { high = middle - 1 }
        }
        let start = min(lines[low].lowerBound, offset)
        let column = bytes[start..<offset].reduce(1) { count, byte in byte & 0xC0 == 0x80 ? count : count + 1 }
        return YAMLMark(line: low + 1, column: column)
    }

    /// The length of the line break at `index`, or 0 when there is none.
    private static func lineBreakWidth(_ bytes: [UInt8], at index: Int) -> Int {
        switch bytes[index] {
        case 0x0A:
            return 1
        case 0x0D:
            return index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
        case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0x85:
            return 2
        case 0xE2
        where index + 2 < bytes.count && bytes[index + 1] == 0x80
            && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
            return 3
        default:
            return 0
        }
    }
}
