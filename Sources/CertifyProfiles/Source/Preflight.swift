/// Checks made on the raw bytes before libyaml sees them, where libyaml's own errors would be
/// obscure or late.
enum Preflight {
    /// Throws for bytes that are not UTF-8 or indent with tabs.
    static func check(_ source: ProfileSource) throws(ProfileError) {
        try checkUTF8(source)
        try checkIndentation(source)
    }

    /// Rejects the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
    /// overlong forms, no surrogates, nothing above U+10FFFF).
    private static func checkUTF8(_ source: ProfileSource) throws(ProfileError) {
        let bytes = source.text.bytes
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let width: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0x00...0x7F: width = 1
            case 0xC2...0xDF: width = 2
            case 0xE0:
                width = 3
                secondRange = 0xA0...0xBF
            case 0xED:
                width = 3
                secondRange = 0x80...0x9F
            case 0xE1...0xEF: width = 3
            case 0xF0:
                width = 4
                secondRange = 0x90...0xBF
            case 0xF4:
                width = 4
                secondRange = 0x80...0x8F
            case 0xF1...0xF3: width = 4
            default: width = 0
            }
            var valid = width > 0 && index + width <= bytes.count
            if valid && width > 1 {
                valid = secondRange.contains(bytes[index + 1])
                for offset in 2..<max(width, 2) where valid {
                    valid = bytes[index + offset] & 0xC0 == 0x80
                }
            }
            guard valid else {
                let hex = String(lead, radix: 16)
                throw source.error(
                    .invalidUTF8,
                    "file is not valid UTF-8 (byte 0x\(hex.count < 2 ? "0" + hex : hex))",
                    at: source.text.mark(ofByte: index)
                )
            }
            index += width
        }
    }

    /// Rejects a tab among the spaces and tabs that begin a line. libyaml refuses most of them
    /// with "found character that cannot start any token"; this says what to do instead.
    private static func checkIndentation(_ source: ProfileSource) throws(ProfileError) {
        let bytes = source.text.bytes
        for line in 1...source.text.lineCount {
            guard let range = source.text.byteRange(ofLine: line) else { continue }
            for index in range {
                let byte = bytes[index]
                if byte == 0x09 {
                    throw source.error(
                        .tabIndentation,
                        "tab character in indentation; indent with spaces",
                        at: YAMLMark(line: line, column: index - range.lowerBound + 1)
                    )
                }
                if byte != 0x20 { break }
            }
        }
    }
}
