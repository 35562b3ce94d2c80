/// Escaping for the HTML report and the JUnit XML: one set of rules for both.
enum Markup {
    /// `text` safe in element content and double-quoted attributes: &, <, > and " escaped, a newline
    /// and an apostrophe written as given, tabs and carriage returns as spaces, and the characters
    /// XML 1.0 forbids (controls, U+FFFE, U+FFFF) dropped.
    static func escape(_ text: String, newline: String, apostrophe: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += apostrophe
            case "\n": out += newline
            case "\t", "\r": out += " "
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
