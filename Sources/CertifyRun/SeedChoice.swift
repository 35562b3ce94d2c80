import CertifyBase
import CertifyBattery
import CertifyProfiles
import CertifyReport
import CertifyTrust
import Foundation

/// The run's suite and seed, where the seed came from, and the digest of the report a reproduction
/// repeats. A tier that requires a drawn seed refuses `--seed N`: the inputs would be known in advance.
package struct SeedChoice: Sendable, Equatable {
    package var suite: Suite
    package var seed: UInt64
    package var origin: SeedOrigin
    /// With `origin` reproduction: the SHA-256 of the repeated report's report.json.
    package var reproduces: String?

    package init(suite: Suite, seed: UInt64, origin: SeedOrigin, reproduces: String? = nil) {
        self.suite = suite
        self.seed = seed
        self.origin = origin
        self.reproduces = reproduces
    }

    package init(_ request: RunRequest, tiers: [TierProfile]) throws(Failure) {
        let suite = request.suite ?? .standard
        if let reproduce = request.reproduce {
            let (original, digest) = try Self.report(reproduce)
            let run = original.predicate.run
            var conflicts: [String] = []
            if run.batteryVersion != Battery.version {
                conflicts.append("it was made by battery \(run.batteryVersion) and this certify runs battery \(Battery.version)")
            }
            if let asked = request.suite, run.suite != asked { conflicts.append("it ran --suite \(run.suite.rawValue)") }
            if case .number(let given) = request.seed, given != run.seed { conflicts.append("its seed is \(run.seed), not \(given)") }
            if request.seed == .drawn { conflicts.append("a reproduction keeps the report's seed, so --seed drawn does not apply") }
            guard conflicts.isEmpty else {
                throw Failure(.usage, "cannot reproduce '\(reproduce)': \(conflicts.joined(separator: "; "))")
            }
            self.init(suite: run.suite, seed: run.seed, origin: .reproduction, reproduces: digest)
            return
        }
        let strict = tiers.filter(\.requiresDrawnSeed)
        switch request.seed {
        case .number(let value):
            if let tier = strict.first {
                throw Failure(
                    .usage,
                    "the \(tier.id) tier requires a seed certify draws for the run (seed: drawn in \(tier.path)); --seed \(value) would let the battery's inputs be known in advance. To repeat a certified run, give its report with --reproduce")
            }
            self.init(suite: suite, seed: value, origin: .given)
        case .drawn:
            self.init(suite: suite, seed: SeedOrigin.draw(), origin: .drawn)
        case nil:
            self = strict.isEmpty ? Self(suite: suite, seed: 1, origin: .default) : Self(suite: suite, seed: SeedOrigin.draw(), origin: .drawn)
        }
    }

    /// The statement of the report at `path` (a folder, report.json or report.dsse.json) and the
    /// SHA-256 of its report.json bytes (the envelope's payload).
    private static func report(_ path: String) throws(Failure) -> (Statement, String) {
        var isDirectory: ObjCBool = false
        guard let resolved = FileLocator.resolve(path), FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory)
        else {
            throw Failure(.noInput, "report '\(path)' does not exist")
        }
        let file = isDirectory.boolValue ? URL(fileURLWithPath: resolved).appendingPathComponent(ReportWriter.statementFile).path : resolved
        var bytes = try ReportFiles.read(file)
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: bytes), let payload = Data(base64Encoded: envelope.payload) {
            bytes = payload
        }
        do {
            return (try Statement.decode(bytes), FileDigest.sha256([UInt8](bytes)))
        } catch {
            throw Failure(.malformedReport, "'\(file)' is not a certify report: \(error)")
        }
    }
}
