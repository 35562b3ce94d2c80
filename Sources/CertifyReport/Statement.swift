import CertifyBattery
import CertifyNumerics
import Foundation

/// A file the report is about, named by digest (an in-toto ResourceDescriptor).
package struct Subject: Sendable, Codable, Equatable {
    package var name: String
    package var digest: [String: String]

    package init(name: String, sha256: String) {
        self.name = name
        self.digest = ["sha256": sha256]
    }
}

/// The in-toto Statement v1 that is the report.
package struct Statement: Sendable, Codable, Equatable {
    package static let type = "https://in-toto.io/Statement/v1"
    package static let predicateType = "https://certify.invalid/certification-report/v1"

    package var type: String
    package var subject: [Subject]
    package var predicateType: String
    package var predicate: CertificationPredicate

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject
        case predicateType
        case predicate
    }

    package init(subject: [Subject], predicate: CertificationPredicate) {
        self.type = Self.type
        self.subject = subject
        self.predicateType = Self.predicateType
        self.predicate = predicate
    }
}

/// The chip profile's identity and declarations, as the report records them.
package struct ChipRecord: Sendable, Codable, Equatable {
    package var vendor: String
    package var family: String
    package var model: String
    package var profile: String
    package var declaredNumerics: DeclaredNumericsModel
    package var backendPinned: Bool

    package init(
        vendor: String, family: String, model: String, profile: String, declaredNumerics: DeclaredNumericsModel, backendPinned: Bool
    ) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.profile = profile
        self.declaredNumerics = declaredNumerics
        self.backendPinned = backendPinned
    }
}

/// The machine the harness ran on.
package struct HostRecord: Sendable, Codable, Equatable {
    package var os: String
    package var kernel: String
    package var cpu: String
    package var cores: Int
    package var memoryBytes: UInt64

    /// The running machine.
    package static var current: HostRecord {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: inout T) -> String {
            withUnsafeBytes(of: &value) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        return HostRecord(
            os: "\(field(&name.sysname)) \(ProcessInfo.processInfo.operatingSystemVersionString)",
            kernel: field(&name.release),
            cpu: model ?? field(&name.machine),
            cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: ProcessInfo.processInfo.physicalMemory)
    }
}

/// How the run was made, so that anyone can repeat it.
package struct RunRecord: Sendable, Codable, Equatable {
    package var harness: String
    package var harnessVersion: String
    package var batteryVersion: String
    package var suite: Suite
    package var seed: UInt64
    package var warmup: Int
    package var iterations: Int
    package var startedAt: String
    package var finishedAt: String
    /// How the backend was run: "worker" (a separate process, the default) or "in-process".
    package var isolation: String
    /// The timed loop ran at least `iterations` calls and this many milliseconds (absent: none).
    package var minTimeMilliseconds: Double?
    /// Extra executions of every case checked bitwise (`--soak`, or a tier's `soak`); absent: none.
    package var soak: Int?
    /// Independent runs of every case, each with its own prepare, compared with the first.
    package var runs: Int?
    /// Caches were flushed between timed executions of memory-bound cases.
    package var coldCache: Bool?
    /// The robust CV above which a latency was timed again, and flagged unstable when no attempt was within it.
    package var cvThreshold: Double?

    package init(
        harness: String, harnessVersion: String, batteryVersion: String, suite: Suite, seed: UInt64, warmup: Int, iterations: Int,
        startedAt: String, finishedAt: String, isolation: String, minTimeMilliseconds: Double? = nil, soak: Int? = nil,
        runs: Int? = nil, coldCache: Bool? = nil, cvThreshold: Double? = nil
    ) {
        self.minTimeMilliseconds = minTimeMilliseconds
        self.soak = soak
        self.runs = runs
        self.coldCache = coldCache
        self.cvThreshold = cvThreshold
        self.harness = harness
        self.harnessVersion = harnessVersion
        self.batteryVersion = batteryVersion
        self.suite = suite
        self.seed = seed
        self.warmup = warmup
        self.iterations = iterations
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.isolation = isolation
    }
}

/// The predicate: every figure the verdicts rest on.
package struct CertificationPredicate: Sendable, Codable, Equatable {
    package var run: RunRecord
    package var chip: ChipRecord
    package var backend: BackendDescription
    package var host: HostRecord
    package var level: LevelAssessment
    package var levelContext: LevelContext
    package var tiers: [TierVerdict]
    package var cases: [CaseResult]
    /// False when the run stopped before every case was attempted (interrupted, or the backend
    /// became unusable); the cases not attempted are recorded as not run.
    package var complete: Bool
    /// Why the run is incomplete; nil when complete.
    package var incompleteReason: String?
    /// Who signed the report and when; set by `ReportSigner` just before the bytes are signed.
    package var signer: SignerRecord?

    package init(
        run: RunRecord, chip: ChipRecord, backend: BackendDescription, host: HostRecord, level: LevelAssessment, levelContext: LevelContext, tiers: [TierVerdict], cases: [CaseResult],
        complete: Bool = true, incompleteReason: String? = nil, signer: SignerRecord? = nil
    ) {
        self.complete = complete
        self.incompleteReason = incompleteReason
        self.run = run
        self.chip = chip
        self.backend = backend
        self.host = host
        self.level = level
        self.levelContext = levelContext
        self.tiers = tiers
        self.cases = cases
        self.signer = signer
    }
}

extension Statement {
    /// The canonical bytes of the report: sorted keys, non-finite numbers as strings. The DSSE
    /// envelope signs exactly these bytes, and report.json is these bytes.
    package func encoded() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// Reads a statement from report.json bytes.
    package static func decode(_ data: Data) throws -> Statement {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(Statement.self, from: data)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}
