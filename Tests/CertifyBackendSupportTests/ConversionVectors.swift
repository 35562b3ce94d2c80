import Foundation

/// Rows of the conversion tables in `Tests/Fixtures/vectors`, made with numpy and ml_dtypes.
enum ConversionVectors {
    /// One row of `fp16_to_fp32.tsv`: a binary16 pattern and its binary32 widening.
    struct Widening {
        let fp16: UInt16
        let fp32: UInt32
    }

    /// One row of `fp32_to_fp16_bf16.tsv`: a binary32 pattern and its round-to-nearest-even narrowings.
    struct Narrowing {
        let fp32: UInt32
        let fp16: UInt16
        let bf16: UInt16
    }

    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CertifyBackendSupportTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/vectors")

    static func widenings() throws -> [Widening] {
        try rows(of: "fp16_to_fp32.tsv", header: ["fp16", "fp32"]).map { fields in
            Widening(fp16: try hex(fields[0]), fp32: try hex(fields[1]))
        }
    }

    static func narrowings() throws -> [Narrowing] {
        try rows(of: "fp32_to_fp16_bf16.tsv", header: ["fp32", "fp16", "bf16"]).map { fields in
            Narrowing(fp32: try hex(fields[0]), fp16: try hex(fields[1]), bf16: try hex(fields[2]))
        }
    }

    struct MalformedTable: Error, CustomStringConvertible {
        let description: String
    }

    /// The data rows of a table, after its `#` comments and its column header.
    private static func rows(of name: String, header: [String]) throws -> [[String]] {
        let url = directory.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [[String]] = []
        var sawHeader = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            if line.hasPrefix("#") {
                continue
            }
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count == header.count else {
                throw MalformedTable(description: "\(url.path):\(index + 1): expected \(header.count) fields, got '\(line)'")
            }
            if !sawHeader {
                guard fields == header else {
                    throw MalformedTable(description: "\(url.path):\(index + 1): expected header \(header), got \(fields)")
                }
                sawHeader = true
                continue
            }
            rows.append(fields)
        }
        return rows
    }

    private static func hex<T: FixedWidthInteger>(_ text: String) throws -> T {
        guard let value = T(text, radix: 16) else {
            throw MalformedTable(description: "'\(text)' is not a hexadecimal \(T.self)")
        }
        return value
    }
}
