import Foundation

/// Ground-truth conversion tables made with numpy and ml_dtypes, read from `Tests/Fixtures/vectors`.
enum ConversionVectors {
    /// One row of fp32_to_fp16_bf16.tsv.
    struct Narrowing: Sendable {
        let fp32: UInt32
        let fp16: UInt16
        let bf16: UInt16
    }

    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CertifyNumericsTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/vectors")

    /// Every binary16 pattern with numpy's binary32 widening.
    static func widening() throws -> [(fp16: UInt16, fp32: UInt32)] {
        try rows("fp16_to_fp32.tsv", header: ["fp16", "fp32"]).map { fields in
            (try hex(fields[0]), try hex(fields[1]))
        }
    }

    /// binary32 patterns with their binary16 and bfloat16 results under nearest-even.
    static func narrowing() throws -> [Narrowing] {
        try rows("fp32_to_fp16_bf16.tsv", header: ["fp32", "fp16", "bf16"]).map { fields in
            Narrowing(fp32: try hex(fields[0]), fp16: try hex(fields[1]), bf16: try hex(fields[2]))
        }
    }

    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    private static func rows(_ name: String, header: [String]) throws -> [[Substring]] {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        var rows: [[Substring]] = []
        var sawHeader = false
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t")
            guard fields.count == header.count else {
                throw FormatError(description: "\(name): expected \(header.count) fields in '\(line)'")
            }
            if !sawHeader {
                guard fields.map(String.init) == header else { throw FormatError(description: "\(name): bad header '\(line)'") }
                sawHeader = true
                continue
            }
            rows.append(fields)
        }
        return rows
    }

    private static func hex<T: FixedWidthInteger>(_ field: Substring) throws -> T {
        guard let value = T(field, radix: 16) else { throw FormatError(description: "not a hex \(T.self): '\(field)'") }
        return value
    }
}
