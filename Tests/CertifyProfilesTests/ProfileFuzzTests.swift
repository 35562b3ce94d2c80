import Foundation
import Testing

@testable import CertifyProfiles

/// A seeded mutation fuzzer over the profile loader: every bundled profile, mutated many times;
/// the loader must never crash, and every rejection must be a located, one-line error.
@Suite struct ProfileFuzzTests {
    static let mutationsPerProfile = 3_000

    /// Tokens that reach deep into libyaml and the decoder: indicators, tags, anchors, aliases,
    /// flow collections, numbers at the edges, tabs, BOMs and invalid UTF-8.
    static let dictionary: [[UInt8]] = [
        ":", "- ", "{", "}", "[", "]", ",", "&a ", "*a", "!!str ", "!!int ", "? ", "|", ">", "'", "\"", "#",
        "%YAML 1.1\n", "---\n", "...\n", "\t", "\n", "  ", "\r\n", "0x1F", "1e999", "-0", ".nan", ".inf", "~",
        "null", "true", "99999999999999999999", "schema", "latency", "case_timeout_s: ", "budgets", "p50_us",
        "fp16", "backend", "options", "library", "tier", "required_level", "L4", "<<: *a",
    ].map { Array($0.utf8) } + [[0xEF, 0xBB, 0xBF], [0xFF], [0xC3], [0xE2, 0x82], [0x00]]

    @Test func mutatedBundledProfilesNeverCrashTheLoaderAndEveryErrorIsLocated() throws {
        let root = TestSupport.repositoryRoot
        let chips = TestSupport.yamlFiles(in: "Profiles")
        let tiers = TestSupport.yamlFiles(in: "Profiles/tiers")
        var generator = Xorshift(seed: 0x5EED_CE27)
        var tried = 0
        var rejected = 0
        let located = try Regex(#"^.+:\d+:\d+: error: .+$"#)
        let whole = try Regex(#"^[^\n]+: error: .+$"#)
        for file in chips + tiers {
            let original = Array(try Data(contentsOf: root.appendingPathComponent(file)))
            let isTier = tiers.contains(file)
            for _ in 0..<Self.mutationsPerProfile {
                var bytes = original
                for _ in 0...generator.next(below: 3) { mutate(&bytes, &generator) }
                tried += 1
                do {
                    if isTier {
                        _ = try ProfileLoader.loadTier(bytes: bytes, path: file)
                    } else {
                        _ = try ProfileLoader.loadChip(bytes: bytes, path: file, budgetKeys: ["gemm", "softmax", "rmsnorm", "silu"])
                    }
                } catch {
                    rejected += 1
                    let headline = error.headline
                    #expect(!headline.contains("\n"), "\(headline)")
                    if error.line > 0 {
                        #expect(headline.wholeMatch(of: located) != nil, "\(headline)")
                        #expect(error.column > 0, "\(headline)")
                    } else {
                        #expect(headline.wholeMatch(of: whole) != nil, "\(headline)")
                        #expect([.unreadable, .tooLarge, .empty, .invalidUTF8].contains(error.kind), "\(headline)")
                    }
                    #expect(!error.message.isEmpty)
                }
            }
        }
        print("profile fuzz: \(tried) mutations of \(chips.count + tiers.count) bundled profiles, \(rejected) rejected with located errors, 0 crashes")
        #expect(tried == (chips.count + tiers.count) * Self.mutationsPerProfile)
        // A fuzzer that never gets past the parser tests nothing: most mutants must still fail somewhere.
        #expect(rejected > tried / 4)
    }

    private func mutate(_ bytes: inout [UInt8], _ g: inout Xorshift) {
        let position = bytes.isEmpty ? 0 : g.next(below: bytes.count)
        switch g.next(below: 7) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= UInt8(1 << g.next(below: 8))
        case 1 where !bytes.isEmpty:
            let end = min(bytes.count, position + 1 + g.next(below: 16))
            bytes.removeSubrange(position..<end)
        case 2:
            bytes.insert(contentsOf: Self.dictionary[g.next(below: Self.dictionary.count)], at: position)
        case 3:
            // Duplicate a line: duplicate keys, repeated sections.
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            guard lines.count > 1 else { return }
            let line = lines[g.next(below: lines.count)]
            bytes.insert(contentsOf: Array(line) + [UInt8(ascii: "\n")], at: position)
        case 4:
            bytes = Array(bytes.prefix(position))
        case 5 where !bytes.isEmpty:
            bytes[position] = UInt8(g.next(below: 256))
        default:
            // Re-indent a line by a space: structure changes without syntax errors.
            bytes.insert(UInt8(ascii: " "), at: position)
        }
    }
}

/// xorshift64*: a small, fixed, seeded generator so a failing mutant reproduces.
struct Xorshift {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 1 : seed }

    mutating func next(below bound: Int) -> Int {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return Int((state &* 0x2545_F491_4F6C_DD1D) % UInt64(bound))
    }
}
