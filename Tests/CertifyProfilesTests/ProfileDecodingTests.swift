import Foundation
import Testing

@testable import CertifyProfiles

@Suite struct ProfileDecodingTests {
    private func chip(_ text: String) throws(ProfileError) -> ChipProfile {
        try ProfileLoader.loadChip(bytes: Array(text.utf8), path: "chip.yaml")
    }

    @Test func crlfBomAndCommentsLoadLikeTheOriginal() throws {
        let path = TestSupport.repositoryFile("Profiles/ascend.yaml")
        let original = try ProfileLoader.loadChip(path: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var variant = "# a comment before everything\n"
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let commented =
                line.isEmpty || line.hasPrefix("#") || line.hasSuffix(":") ? String(line) : "\(line)   # noted"
            variant += commented + "\n"
        }
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(variant.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        #expect(bytes.contains(0x0D))
        var loaded = try ProfileLoader.loadChip(bytes: bytes, path: "variant.yaml")
        #expect(loaded.path == "variant.yaml")
        loaded.path = original.path
        #expect(loaded == original)
    }

    @Test func marksAfterBomAndCrlfMatchTheText() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("schema: 1\r\nchip:\r\n  vendorr: x\r\n".utf8)
        let error = #expect(throws: ProfileError.self) {
            try ProfileLoader.loadChip(bytes: bytes, path: "chip.yaml")
        }
        #expect(error?.headline == "chip.yaml:3:3: error: unknown key 'vendorr' in chip; did you mean 'vendor'?")
        #expect(error?.sourceLine == "  vendorr: x")
    }

    @Test func latencyDefaultsWhenOmitted() throws {
        let text = TestSupport.chip.components(separatedBy: "latency:")[0]
        let profile = try chip(text)
        #expect(profile.latency == LatencySpec(warmup: 3, iterations: 20, budgets: [:]))
    }

    @Test func caseTimeoutDecodesAndDefaultsToNone() throws {
        #expect(try chip(TestSupport.chip).latency.caseTimeoutSeconds == nil)
        let text = TestSupport.edit(TestSupport.chip, "  iterations: 25\n", "  iterations: 25\n  case_timeout_s: 2.5\n")
        #expect(try chip(text).latency.caseTimeoutSeconds == 2.5)
    }

    @Test func optionalFieldsDecode() throws {
        let sha = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
        let text = TestSupport.edit(
            TestSupport.chip,
            "  library: certify_backend_acme\n",
            """
              library: "./build/libacme.so"
              sha256: \(sha)
              options:
                device_id: 3
                fast_math: false
                scale: 1.5
                label: 'two words'
                empty:

            """
        )
        let profile = try chip("description: Acme's first chip\n" + text)
        #expect(profile.backend.library == "./build/libacme.so")
        #expect(profile.backend.sha256 == sha.lowercased())
        #expect(profile.backend.options.map(\.key) == ["device_id", "fast_math", "scale", "label", "empty"])
        #expect(profile.backend.options.map(\.value) == ["3", "false", "1.5", "two words", ""])
    }

    @Test func keysWithLineBreaksStayOnOneLine() {
        let text = TestSupport.edit(
            TestSupport.chip,
            "  library: certify_backend_acme",
            "  library: certify_backend_acme\n  options:\n    \"two\\nlines\": [1]"
        )
        let error = #expect(throws: ProfileError.self) { try chip(text) }
        #expect(
            error?.headline == "chip.yaml:12:19: error: 'backend.options.two\\nlines' must be a scalar, got a sequence"
        )
        #expect(error?.keyPath == "backend.options.two\nlines")
    }

    @Test(arguments: [("1e3", 1000.0), (".5", 0.5), ("+2.50", 2.5), ("7", 7.0), ("6.02E+23", 6.02e23)])
    func numbersFollowYAMLPlainScalars(_ written: String, _ value: Double) throws {
        let text = TestSupport.edit(TestSupport.chip, "memory_bandwidth_gbps: 100", "memory_bandwidth_gbps: \(written)")
        #expect(try chip(text).peaks.memoryBandwidthGBps == value)
    }

    @Test(arguments: ["0x10", "1_000", "inf", "'5'", "1e", "--1"])
    func otherSpellingsAreNotNumbers(_ written: String) {
        let text = TestSupport.edit(TestSupport.chip, "memory_bandwidth_gbps: 100", "memory_bandwidth_gbps: \(written)")
        let error = #expect(throws: ProfileError.self) { try chip(text) }
        #expect(error?.kind == .wrongType)
    }

    @Test func aliasesWithinBudgetExpand() throws {
        let text = TestSupport.edit(
            TestSupport.chip,
            "    gemm: {p50_us: 200, p99_us: 400}",
            "    gemm: &default {p50_us: 200, p99_us: 400}\n    softmax: *default"
        )
        let profile = try chip(text)
        #expect(profile.latency.budgets["softmax"] == profile.latency.budgets["gemm"])
    }

    @Test func latencyMeasurementKeysDecode() throws {
        let text = TestSupport.edit(
            TestSupport.chip, "  iterations: 25\n", "  iterations: 25\n  min_time_ms: 250\n  max_time_ms: 2000\n  cold_cache: true\n  cv_threshold: 0.05\n")
        let latency = try chip(text).latency
        #expect(latency.minTimeMilliseconds == 250)
        #expect(latency.maxTimeMilliseconds == 2000)
        #expect(latency.coldCache)
        #expect(latency.cvThreshold == 0.05)
        let defaults = try chip(TestSupport.chip).latency
        #expect(defaults.minTimeMilliseconds == 100)
        #expect(defaults.maxTimeMilliseconds == 5000)
        #expect(!defaults.coldCache)
        #expect(defaults.cvThreshold == 0.1)
    }

    @Test func tierMeasurementKeysDecode() throws {
        let text = TestSupport.edit(
            TestSupport.tier, "  tolerance_scale: 0.25\n",
            "  tolerance_scale: 0.25\n  latency_percentile: p99\n  iterations: 100\n  min_time_ms: 200\n  soak: 5\n  runs: 4\n")
        let tier = try ProfileLoader.loadTier(bytes: Array(text.utf8), path: "tier.yaml")
        #expect(tier.latencyPercentile == .p99)
        #expect(tier.iterations == 100)
        #expect(tier.minTimeMilliseconds == 200)
        #expect(tier.soak == 5)
        #expect(tier.runs == 4)
    }

    @Test func tierToleranceDefaultsToOne() throws {
        let text = TestSupport.edit(TestSupport.tier, "  tolerance_scale: 0.25\n", "")
        let tier = try ProfileLoader.loadTier(bytes: Array(text.utf8), path: "tier.yaml")
        #expect(
            tier
                == TierProfile(
                    schema: 1,
                    id: "bank",
                    name: "Bank",
                    requiredLevel: 3,
                    toleranceScale: 1.0,
                    path: "tier.yaml"
                )
        )
    }

    @Test func fileOverOneMebibyteIsRefusedBeforeReading() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "certify-profiles-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let limit = ProfileLoader.maximumFileSize
        #expect(limit == 1_048_576)

        // Exactly at the limit: the shipped profile padded with a comment still loads.
        let ascend = try Data(contentsOf: TestSupport.repositoryRoot.appendingPathComponent("Profiles/ascend.yaml"))
        var padded =
            ascend + Data("#".utf8) + Data(repeating: UInt8(ascii: "x"), count: limit - ascend.count - 2)
            + Data("\n".utf8)
        #expect(padded.count == limit)
        let atLimit = directory.appendingPathComponent("at-limit.yaml").path
        try padded.write(to: URL(fileURLWithPath: atLimit))
        #expect(try ProfileLoader.loadChip(path: atLimit).chip.model == "910B")

        // One byte more is refused.
        padded.append(UInt8(ascii: "\n"))
        let overLimit = directory.appendingPathComponent("over-limit.yaml").path
        try padded.write(to: URL(fileURLWithPath: overLimit))
        let error = #expect(throws: ProfileError.self) { try ProfileLoader.loadChip(path: overLimit) }
        #expect(error?.kind == .tooLarge)
        #expect(
            error?.headline == "\(overLimit):1:1: error: file is 1048577 bytes; profiles are limited to 1048576 bytes"
        )
    }

    @Test func billionLaughsFileIsRefused() throws {
        let url = try #require(
            Bundle.module.url(forResource: "billion-laughs", withExtension: "yaml", subdirectory: "Fixtures")
        )
        let error = #expect(throws: ProfileError.self) { try ProfileLoader.loadTier(path: url.path) }
        #expect(error?.kind == .aliasBomb)
        #expect(error?.message == "alias expansion exceeds 10000 nodes (a YAML alias bomb?)")
        #expect(error?.sourceLine == "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]")
    }

    @Test func deepNestingIsRefusedWithoutExhaustingTheStack() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: ProfileLoader.maximumFileSize)
        let error = #expect(throws: ProfileError.self) { try ProfileLoader.loadChip(bytes: bytes, path: "deep.yaml") }
        #expect(error?.headline == "deep.yaml:1:65: error: YAML nesting is deeper than 64 levels")
    }

    /// Every prefix of a real profile, and seeded byte corruptions of it, load or fail with a
    /// located one-line error; none may crash.
    @Test func damagedProfilesNeverCrash() throws {
        let original = Array(
            try Data(contentsOf: TestSupport.repositoryRoot.appendingPathComponent("Profiles/ascend.yaml"))
        )
        var inputs = (0..<original.count).map { Array(original[..<$0]) }
        var generator = SplitMix64(seed: 0x5EED)
        let replacements: [UInt8] = [
            0x00, 0x09, 0x0A, 0x0D, 0x22, 0x26, 0x2A, 0x3A, 0x5B, 0x7B, 0x7C, 0x80, 0xC3, 0xFF, 0x21, 0x25, 0x3F, 0x2D,
        ]
        for _ in 0..<3000 {
            var damaged = original
            for _ in 0..<Int(generator.next() % 3 + 1) {
                let index = Int(generator.next() % UInt64(damaged.count))
                damaged[index] = replacements[Int(generator.next() % UInt64(replacements.count))]
            }
            inputs.append(damaged)
        }
        for input in inputs {
            do {
                _ = try ProfileLoader.loadChip(bytes: input, path: "damaged.yaml")
            } catch {
                #expect(error.line >= 1 && error.column >= 1, "\(error.headline)")
                #expect(!error.headline.contains("\n"), "\(error.headline)")
            }
        }
    }
}

/// A small seeded generator (Steele, Lea and Flood's SplitMix64) so damaged inputs reproduce.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
