import CertifyTrust
import CertifyBattery
import CertifyNumerics
import Crypto
import Foundation
import X509

@testable import CertifyReport

/// A small statement with one case of each outcome: fast to sign and to tamper with byte by byte.
func syntheticStatement() -> Statement {
    let outcomes: [CaseOutcome] = [.passed, .failed, .unsupported, .error]
    let cases = zip(Battery.cases(.quick).prefix(4), outcomes).map { testCase, outcome in
        var result = CaseResult(testCase: testCase, outcome: outcome, tolerance: "γ_K·Σ|a·b|")
        if outcome == .passed || outcome == .failed {
            result.standardRatio = outcome == .passed ? 0.02 : 37
            result.functionalRatio = result.standardRatio
            result.latency = LatencyFigures(
                clock: .hostMonotonic, warmup: 1, samples: [1200, 1500, 1800], firstCallNanoseconds: 9000,
                budgetP50Microseconds: 2, budgetP99Microseconds: 4)
        }
        if outcome == .unsupported { result.message = "bf16 GEMM is not implemented" }
        if outcome == .error { result.message = "device lost <&> \"quoted\"" }
        return result
    }
    let context = LevelContext(backendPinned: false)
    return Statement(
        subject: [
            Subject(name: "libcertify_backend_cpu.so", sha256: String(repeating: "ab", count: 32)),
            Subject(name: "Profiles/cpu.yaml", sha256: String(repeating: "cd", count: 32)),
        ],
        predicate: CertificationPredicate(
            run: RunRecord(
                harness: "certify", harnessVersion: "0.1.0", batteryVersion: Battery.version, suite: .quick, seed: 1,
                warmup: 1, iterations: 3, startedAt: "2026-11-28T10:00:00Z", finishedAt: "2026-11-28T10:00:05Z",
                isolation: "in-process"),
            chip: ChipRecord(
                vendor: "Acme", family: "Widget", model: "W1", profile: "Profiles/cpu.yaml",
                declaredNumerics: DeclaredNumericsModel(accumulation: [:], flushesSubnormals: false, rounding: .nearestEven),
                backendPinned: false),
            backend: BackendDescription(
                libraryPath: "/x/libcertify_backend_cpu.so", librarySHA256: String(repeating: "ab", count: 32), name: "cpu",
                version: "1.0", abiVersion: "1.0", deviceName: "host CPU", deviceVendor: "Acme", driverVersion: "none",
                deviceMemoryBytes: 1 << 30, hasDeviceTimer: false),
            host: HostRecord(os: "Linux", kernel: "6.1", cpu: "test CPU", cores: 2, memoryBytes: 1 << 32),
            level: LevelPolicy.assess(cases, context: context), levelContext: context, tiers: [], cases: cases))
}

/// A root CA and a certifier it issued, with chosen validity windows.
struct TestPKI {
    var rootKey: Curve25519.Signing.PrivateKey
    var root: Certificate
    var identity: SigningIdentity

    init(
        rootValidity: ClosedRange<Date> = Date(timeIntervalSinceNow: -86400)...Date(timeIntervalSinceNow: 86400 * 365),
        certifierValidity: ClosedRange<Date> = Date(timeIntervalSinceNow: -3600)...Date(timeIntervalSinceNow: 86400 * 30),
        development: Bool = false
    ) throws {
        (rootKey, root) = try CertificateAuthority.makeRoot(
            name: "test root", notBefore: rootValidity.lowerBound, notAfter: rootValidity.upperBound)
        let (key, certificate) = try CertificateAuthority.issueCertifier(
            name: "Test Certifier", issuerKey: rootKey, issuer: root, notBefore: certifierValidity.lowerBound,
            notAfter: certifierValidity.upperBound)
        identity = try SigningIdentity(key: key, chain: [certificate], development: development)
    }

    var trust: TrustStore { TrustStore(roots: [root], location: "test-roots") }
}

/// The `VerificationError` `body` throws, or nil.
func verificationError(_ body: () throws(VerificationError) -> Void) -> VerificationError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// Twenty passing cases, each with 25 timed samples around 100 µs times `scale` and its factor.
func battery(_ factors: [String: Double] = [:], scale: Double = 1) -> CertificationPredicate {
    var predicate = syntheticStatement().predicate
    predicate.cases = Battery.cases(.quick).prefix(20).map { testCase in
        var result = CaseResult(testCase: testCase, outcome: .passed, tolerance: "t")
        result.standardRatio = 0.1
        let center = 100_000 * scale * (factors[testCase.id] ?? 1)
        result.latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 1, samples: (0..<25).map { UInt64(center * (0.99 + Double($0) * 0.001)) },
            firstCallNanoseconds: 1, budgetP50Microseconds: nil, budgetP99Microseconds: nil)
        return result
    }
    return predicate
}
