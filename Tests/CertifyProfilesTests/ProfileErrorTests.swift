import Foundation
import Testing

@testable import CertifyProfiles

/// One bad profile and the exact error it must produce.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    enum Profile: Sendable { case chip, tier }

    enum Input: Sendable {
        case text(String)
        case bytes([UInt8])
        case fixture(String)
        case file(String)
    }

    var name: String
    var profile = Profile.chip
    var input: Input
    var budgetKeys: Set<String>? = nil
    var kind: ProfileError.Kind
    var headline: String
    var keyPath: String?

    var testDescription: String { name }

    static func chip(_ name: String, _ text: String, _ kind: ProfileError.Kind, _ headline: String, keyPath: String?)
        -> ErrorCase
    {
        ErrorCase(name: name, input: .text(text), kind: kind, headline: headline, keyPath: keyPath)
    }

    static func chip(
        _ name: String,
        editing old: String,
        to new: String,
        _ kind: ProfileError.Kind,
        _ headline: String,
        keyPath: String?
    ) -> ErrorCase {
        chip(name, TestSupport.edit(TestSupport.chip, old, new), kind, headline, keyPath: keyPath)
    }

    static func tier(
        _ name: String,
        editing old: String,
        to new: String,
        _ kind: ProfileError.Kind,
        _ headline: String,
        keyPath: String?
    ) -> ErrorCase {
        ErrorCase(
            name: name,
            profile: .tier,
            input: .text(TestSupport.edit(TestSupport.tier, old, new)),
            kind: kind,
            headline: headline,
            keyPath: keyPath
        )
    }

    func load() throws(ProfileError) {
        let path = profile == .chip ? "chip.yaml" : "tier.yaml"
        let bytes: [UInt8]
        switch input {
        case .text(let text): bytes = Array(text.utf8)
        case .bytes(let raw): bytes = raw
        case .fixture(let name): bytes = (try? TestSupport.fixtureBytes(name)) ?? []
        case .file(let file):
            switch profile {
            case .chip: _ = try ProfileLoader.loadChip(path: file, budgetKeys: budgetKeys)
            case .tier: _ = try ProfileLoader.loadTier(path: file)
            }
            return
        }
        switch profile {
        case .chip: _ = try ProfileLoader.loadChip(bytes: bytes, path: path, budgetKeys: budgetKeys)
        case .tier: _ = try ProfileLoader.loadTier(bytes: bytes, path: path)
        }
    }
}

private let errorCases: [ErrorCase] = [
    // unknownKey
    .chip(
        "unknown top-level key",
        editing: "chip:\n",
        to: "chipp:\n",
        .unknownKey,
        "chip.yaml:2:1: error: unknown key 'chipp' at top level; did you mean 'chip'?",
        keyPath: "chipp"
    ),
    .chip(
        "unknown key with nothing close",
        editing: "  model: R1\n",
        to: "  model: R1\n  zzz: 1\n",
        .unknownKey,
        "chip.yaml:6:3: error: unknown key 'zzz' in chip",
        keyPath: "chip.zzz"
    ),
    .chip(
        "misspelt nested key",
        editing: "memory_bandwidth_gbps",
        to: "memory_bandwith_gbps",
        .unknownKey,
        "chip.yaml:8:3: error: unknown key 'memory_bandwith_gbps' in peaks; did you mean 'memory_bandwidth_gbps'?",
        keyPath: "peaks.memory_bandwith_gbps"
    ),
    .chip(
        "prefix of a key",
        editing: "  iterations: 25",
        to: "  iter: 25",
        .unknownKey,
        "chip.yaml:16:3: error: unknown key 'iter' in latency; did you mean 'iterations'?",
        keyPath: "latency.iter"
    ),
    .chip(
        "transposed dtype",
        editing: "fp16: 20",
        to: "fp61: 20",
        .unknownKey,
        "chip.yaml:7:22: error: unknown key 'fp61' in peaks.tflops; did you mean 'fp16'?",
        keyPath: "peaks.tflops.fp61"
    ),
    ErrorCase(
        name: "budget for an unknown kernel",
        input: .text(TestSupport.edit(TestSupport.chip, "gemm:", "gemmm:")),
        budgetKeys: ["gemm", "softmax", "rmsnorm", "silu"],
        kind: .unknownKey,
        headline: "chip.yaml:18:5: error: unknown key 'gemmm' in latency.budgets; did you mean 'gemm'?",
        keyPath: "latency.budgets.gemmm"
    ),

    // wrongType
    .chip(
        "word for an integer",
        editing: "iterations: 25",
        to: "iterations: twenty",
        .wrongType,
        "chip.yaml:16:15: error: 'latency.iterations' must be an integer, got 'twenty'",
        keyPath: "latency.iterations"
    ),
    .chip(
        "quoted integer",
        editing: "iterations: 25",
        to: "iterations: \"25\"",
        .wrongType,
        "chip.yaml:16:15: error: 'latency.iterations' must be an integer, got a string",
        keyPath: "latency.iterations"
    ),
    .chip(
        "fraction for an integer",
        editing: "iterations: 25",
        to: "iterations: 2.5",
        .wrongType,
        "chip.yaml:16:15: error: 'latency.iterations' must be an integer, got '2.5'",
        keyPath: "latency.iterations"
    ),
    .chip(
        "sequence for a mapping",
        editing: "chip:\n  vendor: Acme\n  family: Rocket\n  model: R1",
        to: "chip: [Acme, Rocket, R1]",
        .wrongType,
        "chip.yaml:2:7: error: 'chip' must be a mapping, got a sequence",
        keyPath: "chip"
    ),
    .chip(
        "mapping for a string",
        editing: "vendor: Acme",
        to: "vendor: {name: Acme}",
        .wrongType,
        "chip.yaml:3:11: error: 'chip.vendor' must be a string, got a mapping",
        keyPath: "chip.vendor"
    ),
    .chip(
        "word for a number",
        editing: "memory_bandwidth_gbps: 100",
        to: "memory_bandwidth_gbps: fast",
        .wrongType,
        "chip.yaml:8:26: error: 'peaks.memory_bandwidth_gbps' must be a number, got 'fast'",
        keyPath: "peaks.memory_bandwidth_gbps"
    ),
    .chip(
        "null for a string",
        editing: "model: R1",
        to: "model: ~",
        .wrongType,
        "chip.yaml:5:10: error: 'chip.model' must be a string, got '~'",
        keyPath: "chip.model"
    ),
    .chip(
        "nothing for a mapping",
        editing: "backend:\n  library: certify_backend_acme\n",
        to: "backend:\n",
        .wrongType,
        "chip.yaml:9:9: error: 'backend' must be a mapping, got an empty value",
        keyPath: "backend"
    ),
    .chip(
        "collection as a backend option",
        editing: "  library: certify_backend_acme",
        to: "  library: certify_backend_acme\n  options:\n    devices: [0, 1]",
        .wrongType,
        "chip.yaml:12:14: error: 'backend.options.devices' must be a scalar, got a sequence",
        keyPath: "backend.options.devices"
    ),
    .chip(
        "sequence at top level",
        "- schema: 1\n",
        .wrongType,
        "chip.yaml:1:1: error: the top level must be a mapping, got a sequence",
        keyPath: nil
    ),
    .chip(
        "mapping as a key",
        editing: "  model: R1",
        to: "  model: R1\n  ? {a: 1}\n  : x",
        .wrongType,
        "chip.yaml:6:5: error: a key in chip must be a string, got a mapping",
        keyPath: "chip"
    ),

    // missingKey
    .chip(
        "missing nested key",
        editing: "  model: R1\n",
        to: "",
        .missingKey,
        "chip.yaml:3:3: error: missing key 'model' in chip",
        keyPath: "chip.model"
    ),
    .chip(
        "missing top-level key",
        editing: "backend:\n  library: certify_backend_acme\n",
        to: "",
        .missingKey,
        "chip.yaml:1:1: error: missing key 'backend' at top level",
        keyPath: "backend"
    ),
    .chip(
        "budget without a percentile",
        editing: "{p50_us: 200, p99_us: 400}",
        to: "{}",
        .missingKey,
        "chip.yaml:18:11: error: missing key 'p50_us' or 'p99_us' in latency.budgets.gemm",
        keyPath: "latency.budgets.gemm.p50_us"
    ),
    .tier(
        "missing schema",
        editing: "schema: 1\n",
        to: "",
        .missingKey,
        "tier.yaml:1:1: error: missing key 'schema' at top level",
        keyPath: "schema"
    ),

    // duplicateKey
    .chip(
        "duplicate nested key",
        editing: "  family: Rocket\n",
        to: "  family: Rocket\n  vendor: Other\n",
        .duplicateKey,
        "chip.yaml:5:3: error: duplicate key 'vendor' in chip (first defined at line 3)",
        keyPath: "chip.vendor"
    ),
    .chip(
        "duplicate key, once quoted",
        editing: "numerics:",
        to: "\"peaks\": {}\nnumerics:",
        .duplicateKey,
        "chip.yaml:11:1: error: duplicate key 'peaks' at top level (first defined at line 6)",
        keyPath: "peaks"
    ),

    // badValue
    .chip(
        "denormals out of range",
        editing: "denormals: preserve",
        to: "denormals: sometimes",
        .badValue,
        "chip.yaml:13:14: error: 'numerics.denormals' must be one of preserve, flush; got 'sometimes'",
        keyPath: "numerics.denormals"
    ),
    .chip(
        "rounding out of range",
        editing: "rounding: nearest-even",
        to: "rounding: nearest",
        .badValue,
        "chip.yaml:14:13: error: 'numerics.rounding' must be one of nearest-even, toward-zero; got 'nearest'",
        keyPath: "numerics.rounding"
    ),
    .chip(
        "intermediates of a kernel without the term",
        editing: "  rounding: nearest-even\n",
        to: "  rounding: nearest-even\n  intermediates: {softmx: storage}\n",
        .unknownKey,
        "chip.yaml:15:19: error: unknown key 'softmx' in numerics.intermediates; did you mean 'softmax'?",
        keyPath: "numerics.intermediates.softmx"
    ),
    .chip(
        "intermediates in an unknown place",
        editing: "  rounding: nearest-even\n",
        to: "  rounding: nearest-even\n  intermediates: {softmax: fp8}\n",
        .badValue,
        "chip.yaml:15:28: error: 'numerics.intermediates.softmax' must be one of accumulation, storage; got 'fp8'",
        keyPath: "numerics.intermediates.softmax"
    ),
    .chip(
        "zero case deadline",
        editing: "  iterations: 25\n",
        to: "  iterations: 25\n  case_timeout_s: 0\n",
        .badValue,
        "chip.yaml:17:19: error: 'latency.case_timeout_s' must be a positive number, got '0'",
        keyPath: "latency.case_timeout_s"
    ),
    .chip(
        "negative bandwidth",
        editing: "memory_bandwidth_gbps: 100",
        to: "memory_bandwidth_gbps: -5",
        .badValue,
        "chip.yaml:8:26: error: 'peaks.memory_bandwidth_gbps' must be a positive number, got '-5'",
        keyPath: "peaks.memory_bandwidth_gbps"
    ),
    .chip(
        "infinite peak",
        editing: "fp32: 10,",
        to: "fp32: .inf,",
        .badValue,
        "chip.yaml:7:18: error: 'peaks.tflops.fp32' must be a positive number, got '.inf'",
        keyPath: "peaks.tflops.fp32"
    ),
    .chip(
        "overflowing peak",
        editing: "fp32: 10,",
        to: "fp32: 1e999,",
        .badValue,
        "chip.yaml:7:18: error: 'peaks.tflops.fp32' must be a positive number, got '1e999'",
        keyPath: "peaks.tflops.fp32"
    ),
    .chip(
        "short sha256",
        editing: "  library: certify_backend_acme",
        to: "  library: certify_backend_acme\n  sha256: abc",
        .badValue,
        "chip.yaml:11:11: error: 'backend.sha256' must be 64 hexadecimal digits, got 'abc'",
        keyPath: "backend.sha256"
    ),
    .chip(
        "zero iterations",
        editing: "iterations: 25",
        to: "iterations: 0",
        .badValue,
        "chip.yaml:16:15: error: 'latency.iterations' must be an integer from 1 to 1000000, got '0'",
        keyPath: "latency.iterations"
    ),
    .chip(
        "iterations beyond Int",
        editing: "iterations: 25",
        to: "iterations: 99999999999999999999999",
        .badValue,
        "chip.yaml:16:15: error: 'latency.iterations' must be an integer from 1 to 1000000, got '99999999999999999999999'",
        keyPath: "latency.iterations"
    ),
    .chip(
        "unknown accumulation dtype",
        editing: "fp16: fp32}",
        to: "fp16: fp8}",
        .badValue,
        "chip.yaml:12:36: error: 'numerics.accumulation.fp16' must be one of fp32, fp16, bf16; got 'fp8'",
        keyPath: "numerics.accumulation.fp16"
    ),
    .chip(
        "no peaks",
        editing: "tflops: {fp32: 10, fp16: 20}",
        to: "tflops: {}",
        .badValue,
        "chip.yaml:7:11: error: 'peaks.tflops' must name at least one dtype, got an empty mapping",
        keyPath: "peaks.tflops"
    ),
    .chip(
        "empty vendor",
        editing: "vendor: Acme",
        to: "vendor: \"\"",
        .badValue,
        "chip.yaml:3:11: error: 'chip.vendor' must not be empty",
        keyPath: "chip.vendor"
    ),
    .tier(
        "tier id with capitals",
        editing: "id: bank",
        to: "id: Big Bank",
        .badValue,
        "tier.yaml:3:7: error: 'tier.id' must be lowercase letters, digits and '-', got 'Big Bank'",
        keyPath: "tier.id"
    ),
    .tier(
        "level out of range",
        editing: "required_level: L3",
        to: "required_level: L4",
        .badValue,
        "tier.yaml:5:19: error: 'tier.required_level' must be one of L1, L2, L3; got 'L4'",
        keyPath: "tier.required_level"
    ),
    .tier(
        "tolerance loosened",
        editing: "tolerance_scale: 0.25",
        to: "tolerance_scale: 1.5",
        .badValue,
        "tier.yaml:6:20: error: 'tier.tolerance_scale' must be a positive number no greater than 1, got '1.5'",
        keyPath: "tier.tolerance_scale"
    ),
    .tier(
        "no run at all",
        editing: "tolerance_scale: 0.25",
        to: "tolerance_scale: 0.25\n  runs: 0",
        .badValue,
        "tier.yaml:7:9: error: 'tier.runs' must be an integer from 1 to 1000, got '0'",
        keyPath: "tier.runs"
    ),
    .tier(
        "seed policy unknown",
        editing: "tolerance_scale: 0.25",
        to: "tolerance_scale: 0.25\n  seed: secret",
        .badValue,
        "tier.yaml:7:9: error: 'tier.seed' must be one of any, drawn; got 'secret'",
        keyPath: "tier.seed"
    ),
    .tier(
        "latency percentile not budgeted",
        editing: "tolerance_scale: 0.25",
        to: "tolerance_scale: 0.25\n  latency_percentile: p90",
        .badValue,
        "tier.yaml:7:23: error: 'tier.latency_percentile' must be one of p50, p99; got 'p90'",
        keyPath: "tier.latency_percentile"
    ),
    .chip(
        "cold cache not a boolean",
        editing: "iterations: 25",
        to: "iterations: 25\n  cold_cache: yes",
        .badValue,
        "chip.yaml:17:15: error: 'latency.cold_cache' must be one of true, false; got 'yes'",
        keyPath: "latency.cold_cache"
    ),
    .chip(
        "negative minimum time",
        editing: "iterations: 25",
        to: "iterations: 25\n  min_time_ms: -1",
        .badValue,
        "chip.yaml:17:16: error: 'latency.min_time_ms' must be a number of at least 0, got '-1'",
        keyPath: "latency.min_time_ms"
    ),
    .chip(
        "zero time cap",
        editing: "iterations: 25",
        to: "iterations: 25\n  max_time_ms: 0",
        .badValue,
        "chip.yaml:17:16: error: 'latency.max_time_ms' must be a positive number, got '0'",
        keyPath: "latency.max_time_ms"
    ),

    // unsupportedSchema
    .chip(
        "newer chip schema",
        editing: "schema: 1\n",
        to: "schema: 2\nfuture_key: {}\n",
        .unsupportedSchema,
        "chip.yaml:1:9: error: unsupported schema 2; this certify reads schema 1",
        keyPath: "schema"
    ),
    .tier(
        "schema beyond Int",
        editing: "schema: 1",
        to: "schema: 18446744073709551616",
        .unsupportedSchema,
        "tier.yaml:1:9: error: unsupported schema 18446744073709551616; this certify reads schema 1",
        keyPath: "schema"
    ),

    // syntax
    .chip(
        "unclosed flow mapping",
        editing: "tflops: {fp32: 10, fp16: 20}",
        to: "tflops: {fp32: 10, fp16: 20",
        .syntax,
        "chip.yaml:8:24: error: YAML syntax error: did not find expected ',' or '}' while parsing a flow mapping",
        keyPath: nil
    ),
    .chip(
        "bad indentation",
        editing: "  model: R1",
        to: " model: R1",
        .syntax,
        "chip.yaml:5:2: error: YAML syntax error: did not find expected key while parsing a block mapping",
        keyPath: nil
    ),
    .chip(
        "undefined alias",
        editing: "vendor: Acme",
        to: "vendor: *acme",
        .syntax,
        "chip.yaml:3:11: error: YAML syntax error: found undefined alias 'acme'",
        keyPath: nil
    ),
    .chip(
        "control character",
        editing: "model: R1",
        to: "model: R\u{7}1",
        .syntax,
        "chip.yaml:5:11: error: YAML syntax error: control characters are not allowed",
        keyPath: nil
    ),
    .chip(
        "second document",
        editing: "latency:",
        to: "---\nlatency:",
        .syntax,
        "chip.yaml:15:1: error: a profile is one YAML document, but a second one starts here",
        keyPath: nil
    ),

    // empty
    .chip("zero bytes", "", .empty, "chip.yaml:1:1: error: file is empty", keyPath: nil),
    .chip(
        "only comments",
        "# nothing here yet\n\n   \r\n# still nothing\n",
        .empty,
        "chip.yaml:1:1: error: file is empty",
        keyPath: nil
    ),
    .chip("document marker only", "---\n", .empty, "chip.yaml:1:1: error: file is empty", keyPath: nil),

    // invalidUTF8
    ErrorCase(
        name: "Latin-1 byte",
        input: .bytes(
            Array(TestSupport.edit(TestSupport.chip, "vendor: Acme", "vendor: 華為Acme").utf8).map {
                $0 == UInt8(ascii: "A") ? 0xC1 : $0
            }
        ),
        kind: .invalidUTF8,
        headline: "chip.yaml:3:13: error: file is not valid UTF-8 (byte 0xc1)",
        keyPath: nil
    ),
    ErrorCase(
        name: "stray 0xff",
        input: .bytes([UInt8]("schema: 1\n".utf8) + [0xFF]),
        kind: .invalidUTF8,
        headline: "chip.yaml:2:1: error: file is not valid UTF-8 (byte 0xff)",
        keyPath: nil
    ),

    // tabIndentation
    .chip(
        "tab in indentation",
        editing: "  model: R1",
        to: " \tmodel: R1",
        .tabIndentation,
        "chip.yaml:5:2: error: tab character in indentation; indent with spaces",
        keyPath: nil
    ),

    // aliasBomb
    ErrorCase(
        name: "billion laughs",
        input: .fixture("billion-laughs.yaml"),
        kind: .aliasBomb,
        headline: "chip.yaml:6:36: error: alias expansion exceeds 10000 nodes (a YAML alias bomb?)",
        keyPath: nil
    ),

    // unreadable
    ErrorCase(
        name: "missing file",
        input: .file("/nonexistent/certify/chip.yaml"),
        kind: .unreadable,
        headline: "/nonexistent/certify/chip.yaml: error: cannot read file: No such file or directory",
        keyPath: nil
    ),

    // tooLarge
    ErrorCase(
        name: "2 MB of bytes",
        input: .bytes([UInt8](repeating: UInt8(ascii: "#"), count: 2_000_000)),
        kind: .tooLarge,
        headline: "chip.yaml:1:1: error: file is 2000000 bytes; profiles are limited to 1048576 bytes",
        keyPath: nil
    ),
]

@Suite struct ProfileErrorTests {
    @Test(arguments: errorCases)
    func reportsExactError(_ errorCase: ErrorCase) {
        let error = #expect(throws: ProfileError.self) { try errorCase.load() }
        #expect(error?.headline == errorCase.headline)
        #expect(error?.kind == errorCase.kind)
        #expect(error?.keyPath == errorCase.keyPath)
    }

    @Test func everyKindIsCovered() {
        let all: [ProfileError.Kind] = [
            .unreadable, .tooLarge, .empty, .invalidUTF8, .tabIndentation, .syntax, .aliasBomb,
            .unknownKey, .wrongType, .missingKey, .duplicateKey, .badValue, .unsupportedSchema,
        ]
        #expect(Set(errorCases.map(\.kind).map(\.rawValue)) == Set(all.map(\.rawValue)))
    }

    @Test func descriptionPointsAtTheColumn() {
        let text = TestSupport.edit(TestSupport.chip, "denormals: preserve", "denormals: sometimes")
        let error = #expect(throws: ProfileError.self) {
            try ProfileLoader.loadChip(bytes: Array(text.utf8), path: "chip.yaml")
        }
        #expect(
            error?.description == """
                chip.yaml:13:14: error: 'numerics.denormals' must be one of preserve, flush; got 'sometimes'
                  denormals: sometimes
                             ^
                """
        )
        #expect(error?.sourceLine == "  denormals: sometimes")
    }

    @Test func descriptionKeepsTabsSoTheCaretLinesUp() {
        let text = "schema: 1\nchip: {vendor: x,\tfamily: y, model: z, zzz: 1}\n"
        let error = #expect(throws: ProfileError.self) {
            try ProfileLoader.loadChip(bytes: Array(text.utf8), path: "chip.yaml")
        }
        #expect(error?.headline == "chip.yaml:2:40: error: unknown key 'zzz' in chip")
        let caret = String(repeating: " ", count: 17) + "\t" + String(repeating: " ", count: 21) + "^"
        #expect(error?.description.hasSuffix("\nchip: {vendor: x,\tfamily: y, model: z, zzz: 1}\n" + caret) == true)
    }

    @Test func columnsCountCharactersNotBytes() {
        let text = "schema: 1\nchip: {vendor: 华为, family: 昇腾, modle: 910B}\n"
        let error = #expect(throws: ProfileError.self) {
            try ProfileLoader.loadChip(bytes: Array(text.utf8), path: "chip.yaml")
        }
        #expect(error?.headline == "chip.yaml:2:32: error: unknown key 'modle' in chip; did you mean 'model'?")
        #expect(error?.description.hasSuffix("\n" + String(repeating: " ", count: 31) + "^") == true)
    }

    @Test func unreadableErrorHasNoSourceLine() {
        let error = #expect(throws: ProfileError.self) {
            try ProfileLoader.loadTier(path: "/nonexistent/tier.yaml")
        }
        #expect(error?.line == 0)
        #expect(error?.column == 0)
        #expect(error?.description == "/nonexistent/tier.yaml: error: cannot read file: No such file or directory")
    }

    @Test func directoryIsUnreadable() {
        let error = #expect(throws: ProfileError.self) {
            try ProfileLoader.loadChip(path: TestSupport.repositoryFile("Profiles"))
        }
        #expect(error?.kind == .unreadable)
        #expect(error?.message == "cannot read file: Is a directory")
    }
}
