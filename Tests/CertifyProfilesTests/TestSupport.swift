import Foundation

@testable import CertifyProfiles

/// Paths and texts shared by the profile tests.
enum TestSupport {
    /// The repository root, found from this file's location (Tests/CertifyProfilesTests/…).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static func repositoryFile(_ relativePath: String) -> String {
        repositoryRoot.appendingPathComponent(relativePath).path
    }

    /// The `.yaml` files directly inside `folder` of the repository, sorted.
    static func yamlFiles(in folder: String) -> [String] {
        let directory = repositoryRoot.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(folder)/\($0)" }
    }

    static func fixtureBytes(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return Array(try Data(contentsOf: url))
    }

    /// A small valid chip profile; the error table edits it one line at a time, so the line
    /// numbers in expected headlines can be read off this text.
    static let chip = """
        schema: 1
        chip:
          vendor: Acme
          family: Rocket
          model: R1
        peaks:
          tflops: {fp32: 10, fp16: 20}
          memory_bandwidth_gbps: 100
        backend:
          library: certify_backend_acme
        numerics:
          accumulation: {fp32: fp32, fp16: fp32}
          denormals: preserve
          rounding: nearest-even
        latency:
          iterations: 25
          budgets:
            gemm: {p50_us: 200, p99_us: 400}

        """

    /// A small valid tier profile, edited like `chip`.
    static let tier = """
        schema: 1
        tier:
          id: bank
          name: Bank
          required_level: L3
          tolerance_scale: 0.25

        """

    /// `base` with the one occurrence of `old` replaced by `new`.
    static func edit(_ base: String, _ old: String, _ new: String) -> String {
        precondition(base.components(separatedBy: old).count == 2, "'\(old)' must occur once")
        return base.replacingOccurrences(of: old, with: new)
    }
}
