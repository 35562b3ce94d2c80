import CertifyTrust
import CertifyBattery
import CertifyNumerics
import Foundation

/// A file the report is about, named by digest (an in-toto ResourceDescriptor).
package struct Subject: Sendable, Codable, Equatable {
    /// What a subject is to the run, in the descriptor's `annotations` under `role`.
    package enum Role: String, Sendable, Codable {
        case backend
        case chipProfile = "chip-profile"
        case tierProfile = "tier-profile"
    }

    package var name: String
    package var digest: [String: String]
    /// `role`: see `Role`; absent in reports made before subjects named their role.
    package var annotations: [String: String]?

    package init(name: String, sha256: String, role: Role? = nil) {
        (self.name, self.digest, self.annotations) = (name, ["sha256": sha256], role.map { ["role": $0.rawValue] })
    }

    package var role: Role? { annotations?["role"].flatMap(Role.init) }
}

extension Statement {
    /// The subjects in `role`: by their annotation, or for a report without annotations by their
    /// place (backend first, then the chip profile, then the tiers), as certify wrote them then.
    package func subjects(_ role: Subject.Role) -> [Subject] {
        if subject.contains(where: { $0.role != nil }) { return subject.filter { $0.role == role } }
        switch role {
        case .backend: return Array(subject.prefix(1))
        case .chipProfile: return Array(subject.dropFirst().prefix(1))
        case .tierProfile: return Array(subject.dropFirst(2))
        }
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
        (self.type, self.subject, self.predicateType) = (Self.type, subject, Self.predicateType)
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
        (self.vendor, self.family, self.model, self.profile) = (vendor, family, model, profile)
        (self.declaredNumerics, self.backendPinned) = (declaredNumerics, backendPinned)
    }
}

/// The machine the harness ran on.
package struct HostRecord: Sendable, Codable, Equatable {
    package var os: String
    package var kernel: String
    package var cpu: String
    package var cores: Int
    package var memoryBytes: UInt64
    /// The CPU's instruction-set features that decide numerics and the code paths libraries
    /// choose (FMA, F16C, AVX-512 BF16/VNNI/FP16, AMX; on ARM FP16, dot products, BF16, I8MM,
    /// SVE, SME), as /proc/cpuinfo names them, in a fixed order; nil where /proc/cpuinfo lists no
    /// features, and in reports written before the harness recorded them.
    package var isaFeatures: [String]?

    package init(
        os: String, kernel: String, cpu: String, cores: Int, memoryBytes: UInt64, isaFeatures: [String]? = nil
    ) {
        (self.os, self.kernel, self.cpu, self.cores, self.memoryBytes) = (os, kernel, cpu, cores, memoryBytes)
        self.isaFeatures = isaFeatures
    }

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
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            isaFeatures: isaFeatures(cpuinfo: cpuinfo))
    }

    /// The numerics features in the first processor's feature line of `cpuinfo` (/proc/cpuinfo's
    /// text): x86's "flags" or ARM's "Features", kept when they are in `numericsFeatures`.
    package static func isaFeatures(cpuinfo: String) -> [String]? {
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            let key = parts.first?.trimmingCharacters(in: .whitespaces)
            guard key == "flags" || key == "Features", parts.count == 2 else { continue }
            let present = Set(parts[1].split(separator: " ").map(String.init))
            return numericsFeatures.filter(present.contains)
        }
        return nil
    }

    /// The features that change results or the code path a library dispatches to, in report order:
    /// x86-64's fused multiply-add, half-precision conversion, vector widths, AVX-512's sub-sets
    /// oneDNN's avx512_core needs, the bf16/fp16/int8 dot-product extensions and AMX; ARM's
    /// half precision, dot products, bf16, int8 matrix multiply, SVE and SME.
    static let numericsFeatures = [
        "fma", "f16c", "avx", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
        "avx512_fp16", "avx_vnni", "avx_vnni_int8", "avx_ne_convert", "amx_tile", "amx_int8", "amx_bf16", "amx_fp16",
        "asimd", "fphp", "asimdhp", "asimddp", "asimdfhm", "bf16", "i8mm", "sve", "sve2", "svebf16", "svei8mm", "sme",
        "sme2",
    ]
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
    /// A case's warm-up and timed loop each stopped once past this many milliseconds with 1 and 5
    /// calls, short of `iterations` (absent: no cap, as in reports made before it existed).
    package var maxTimeMilliseconds: Double?
    /// Extra executions of every case checked bitwise (`--soak`, or a tier's `soak`); absent: none.
    package var soak: Int?
    /// Independent runs of every case, each with its own prepare, compared with the first.
    package var runs: Int?
    /// Caches were flushed between timed executions of memory-bound cases.
    package var coldCache: Bool?
    /// The robust CV above which a latency was timed again, and flagged unstable when no attempt was within it.
    package var cvThreshold: Double?
    /// Where `seed` came from; absent in reports made before seeds were drawn (then it was given or 1).
    package var seedOrigin: SeedOrigin?
    /// With `seedOrigin` reproduction: the SHA-256 of the report.json whose run this one repeats.
    package var reproduces: String?
    /// `--backend-option` "key=value" pairs given over the chip profile's backend.options (the
    /// device a shard ran on); absent: none.
    package var backendOptions: [String]?

    package init(
        harness: String, harnessVersion: String, batteryVersion: String, suite: Suite, seed: UInt64, warmup: Int, iterations: Int,
        startedAt: String, finishedAt: String, isolation: String, minTimeMilliseconds: Double? = nil, soak: Int? = nil,
        runs: Int? = nil, coldCache: Bool? = nil, cvThreshold: Double? = nil, seedOrigin: SeedOrigin? = nil,
        reproduces: String? = nil
    ) {
        (self.seedOrigin, self.reproduces, self.minTimeMilliseconds) = (seedOrigin, reproduces, minTimeMilliseconds)
        (self.soak, self.runs, self.coldCache, self.cvThreshold) = (soak, runs, coldCache, cvThreshold)
        (self.harness, self.harnessVersion, self.batteryVersion) = (harness, harnessVersion, batteryVersion)
        (self.suite, self.seed, self.warmup, self.iterations) = (suite, seed, warmup, iterations)
        (self.startedAt, self.finishedAt, self.isolation) = (startedAt, finishedAt, isolation)
    }
}

extension RunRecord {
    /// The seed and where it came from, for people: "1 (default)", "4821… (drawn)",
    /// "4821… (reproduces report sha256:ab12…)".
    package var seedDescription: String {
        switch seedOrigin {
        case nil: "\(seed)"
        case .default: "\(seed) (default)"
        case .given: "\(seed) (given)"
        case .drawn: "\(seed) (drawn)"
        case .reproduction: "\(seed) (reproduces report sha256:\(reproduces.map { String($0.prefix(16)) } ?? "?")…)"
        }
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
    /// Set when the run was one shard of a suite (`--shard I/N`): then `cases`, `level` and
    /// `tiers` are this shard's only, and `certify merge` makes the suite's report.
    package var shard: ShardRecord?
    /// Set in a report `certify merge` made: the shards it verified and merged, by index.
    package var shards: [MergedShard]?
    /// The side file that holds every case's latency samples (then `cases` carry none inline);
    /// absent in reports written before it, whose samples are inline.
    package var latencySamples: SideFileRecord?
    /// The side file that holds `cases` (cases.json): the signed statement then encodes `cases` as
    /// an empty list, and a reader puts them back (`attachSideFiles`); absent in reports written
    /// before it, whose cases are inline.
    package var caseRecords: SideFileRecord?

    package init(
        run: RunRecord, chip: ChipRecord, backend: BackendDescription, host: HostRecord, level: LevelAssessment, levelContext: LevelContext, tiers: [TierVerdict], cases: [CaseResult],
        complete: Bool = true, incompleteReason: String? = nil, signer: SignerRecord? = nil
    ) {
        (self.complete, self.incompleteReason, self.run, self.chip) = (complete, incompleteReason, run, chip)
        (self.backend, self.host, self.level, self.levelContext) = (backend, host, level, levelContext)
        (self.tiers, self.cases, self.signer) = (tiers, cases, signer)
    }
}

extension Statement {
    /// The canonical bytes of the report: sorted keys, no whitespace (pretty-printing added half
    /// again to the bytes; people read report.md), non-finite numbers as strings, the latency
    /// samples left out when `predicate.latencySamples` names their side file and the cases when
    /// `predicate.caseRecords` names theirs. The DSSE envelope signs exactly these bytes, and
    /// report.json is these bytes.
    package func encoded() throws -> Data {
        var signed = self
        if predicate.caseRecords != nil { signed.predicate.cases = [] }
        return try Self.canonicalEncoder(samplesElsewhere: predicate.latencySamples != nil).encode(signed)
    }

    /// Reads a statement from report.json bytes.
    package static func decode(_ data: Data) throws -> Statement {
        try decoder.decode(Statement.self, from: data)
    }

    /// The decoder of `encoded()`'s bytes and of the side file of case records.
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// The encoder of the signed bytes (and of the side file of case records), the latency
    /// samples left out when `samplesElsewhere`.
    static func canonicalEncoder(samplesElsewhere: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        encoder.userInfo[LatencyFigures.samplesElsewhere] = samplesElsewhere
        return encoder
    }
}

extension RunRecord {
    /// How the time cap cut slow cases short, for the terminal and the report pages: empty
    /// without a cap.
    package var capNote: String {
        guard let ms = maxTimeMilliseconds, ms > 0 else { return "" }
        let cap = ms < 1000 ? "\(Format.number(ms)) ms" : "\(Format.number(ms / 1000)) s"
        return " (fewer for slow cases: at least 5, stopping after \(cap))"
    }
}
