import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// End-to-end quick-suite runs of the backends over real libraries (OpenBLAS, oneDNN, OpenCL on
/// PoCL). `scripts/build-real-backends` builds them next to certify. Outside CI a missing plugin
/// skips its test; in CI (`CI=true`, as `.ci/run` runs) it fails, so a broken install cannot pass
/// as green.
///
/// These libraries choose their code paths per CPU, so no expectation here is a count seen on one
/// machine: each is derived from what the report records the library chose (its implementation
/// string: oneDNN's effective ISA, OpenBLAS's core) and from its own capability answers. The runs
/// are repeated with the library capped to an older ISA or kernel family, which stands in for an
/// older host on this one.
@Suite struct RealLibraryTests {
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static func pluginPath(_ name: String) -> String {
        CLI.buildDirectory.appendingPathComponent("libcertify_backend_\(name).so").path
    }

    static func available(_ name: String) -> Bool {
        inCI || FileManager.default.fileExists(atPath: pluginPath(name))
    }

    /// Runs the quick suite on `profile` with `environment` added to certify's; records an issue
    /// instead when the plugin is missing.
    private func certify(_ profile: String, plugin: String, environment: [String: String] = [:]) throws -> (CLI.Result, Statement)? {
        guard FileManager.default.fileExists(atPath: Self.pluginPath(plugin)) else {
            Issue.record("\(Self.pluginPath(plugin)) is missing; run scripts/build-real-backends (CI=true requires it)")
            return nil
        }
        let folder = try TemporaryDirectory()
        let result = try CLI.run(["--chip", profile, "--suite", "quick", "--output", folder.path("report")], environment: environment)
        return (result, try Statement.read(folder: folder.url.appendingPathComponent("report")))
    }

    /// Every case has the outcome `expected` gives it; the mismatches are listed.
    private func expectOutcomes(_ report: Statement, _ expected: (CaseResult) -> CaseOutcome) {
        let wrong = report.predicate.cases.compactMap { c -> String? in
            let outcome = expected(c)
            return c.outcome == outcome ? nil : "\(c.id) \(c.outcome.rawValue), expected \(outcome.rawValue)\(c.message.map { ": \($0)" } ?? "")"
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "; "))")
    }

    /// The cases of the quick suite the ABI gives flags (causal and masked softmax; ABI 1.2's bias
    /// add and fp32 logits).
    static let flagged = Set(Battery.cases(.quick).filter { $0.flags != 0 }.map(\.id))

    // MARK: OpenBLAS

    /// The cores OpenBLAS is run as: the one its DYNAMIC_ARCH build picks for this CPU, and Haswell
    /// (AVX2 + FMA kernels) forced with OPENBLAS_CORETYPE, as on an AVX2 host.
    @Test(.enabled(if: available("openblas"), "the OpenBLAS plugin is not built"), arguments: [nil, "Haswell"] as [String?])
    func openBLASPassesEveryGEMMOnEveryCore(coreType: String?) throws {
        if coreType == "Haswell", !(HostRecord.current.isaFeatures ?? []).contains("avx2") { return }  // it would not run here
        let environment = coreType.map { ["OPENBLAS_CORETYPE": $0] } ?? [:]
        guard let (result, report) = try certify("Profiles/openblas.yaml", plugin: "openblas", environment: environment) else {
            return
        }
        let p = report.predicate
        // The report names the core whose kernels ran.
        let implementation = try #require(p.backend.implementation)
        #expect(implementation.hasPrefix("OpenBLAS 0.") && implementation.contains(", core "), "\(implementation)")
        if let coreType { #expect(implementation.contains(", core \(coreType),"), "\(implementation)") }
        // GEMM sums in fp32 on every core and in every dtype (fp16 and bf16 widened, or bf16 through
        // sbgemm where the library has it): every GEMM passes, the fp32 logits of ABI 1.2 too,
        // everything else is refused.
        let blas: Set<Kernel> = [.gemm, .gemmBatched]
        expectOutcomes(report) { c in
            blas.contains(c.kernel) && c.capability?.supported == true ? .passed : .unsupported
        }
        #expect(Set(p.cases.filter { blas.contains($0.kernel) && $0.outcome == .passed }.map(\.type)) == [.fp32, .fp16, .bf16])
        #expect(p.cases.allSatisfy { $0.capability?.intermediates == nil })
        // BLAS has no softmax, norms or activations: the core battery is incomplete, so no level.
        #expect(p.level.reached == 0)
        #expect(result.status == 1)
        #expect(p.backend.name == "openblas")
        #expect(p.backend.abiVersion == "1.2")
    }

    // MARK: oneDNN

    /// oneDNN's instruction sets (its names, dnnl_cpu_isa2str less "cpu_isa_") with VNNI's u8·s8
    /// dot product, on which s8×s8 matmul sums exactly in int32. Without it oneDNN adds 128 to A
    /// and multiplies with vpmaddubsw, whose pairwise sums saturate in int16
    /// (scripts/repro/onednn_int8_saturation.c; oneDNN's "Nuances of int8 computations").
    static let oneDNNVNNI: Set<String> = ["avx512_core_vnni", "avx512_core_bf16", "avx512_core_amx", "avx2_vnni"]

    /// The ISA in oneDNN's implementation string, "oneDNN 2.6.3, effective ISA avx512_core_bf16".
    static func effectiveISA(_ implementation: String?) -> String? {
        guard let implementation, let range = implementation.range(of: "effective ISA ") else { return nil }
        return String(implementation[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," })
    }

    /// The ISAs oneDNN is run with: whatever this CPU offers, and capped with ONEDNN_MAX_CPU_ISA
    /// to AVX2 (as on an AVX2 host: no bf16, no VNNI) and to AVX-512 without VNNI (bf16, but
    /// int8 through vpmaddubsw). A cap above what the CPU has changes nothing.
    @Test(.enabled(if: available("onednn"), "the oneDNN plugin is not built"), arguments: [nil, "AVX2", "AVX512_CORE"] as [String?])
    func oneDNNFailsOnlyWhereItsEffectiveISAPredicts(maxISA: String?) throws {
        let environment = maxISA.map { ["ONEDNN_MAX_CPU_ISA": $0] } ?? [:]
        guard let (result, report) = try certify("Profiles/onednn.yaml", plugin: "onednn", environment: environment) else { return }
        let p = report.predicate
        let isa = try #require(Self.effectiveISA(p.backend.implementation), "implementation: \(p.backend.implementation ?? "absent")")
        let vnni = Self.oneDNNVNNI.contains(isa)
        if maxISA == nil, let features = p.host.isaFeatures {
            // Left alone, oneDNN uses VNNI exactly when the CPU has it.
            #expect(vnni == (features.contains("avx512_vnni") || features.contains("avx_vnni")), "\(isa) on \(features)")
        }
        // oneDNN 2.x implements bf16 from avx512_core on; which dtypes it has is its own answer to
        // query(), and the outcomes below follow that answer.
        let bf16GEMM = try #require(p.cases.first { $0.kernel == .gemm && $0.type == .bf16 }?.capability)
        #expect(bf16GEMM.supported == isa.hasPrefix("avx512_core"), "bf16 matmul on \(isa)")
        // oneDNN's max reduction keeps a NaN only when no larger number follows it, on every ISA
        // (scripts/repro/onednn_max_nan.c prints the same with ONEDNN_MAX_CPU_ISA = SSE41, AVX,
        // AVX2, AVX512_CORE and on avx512_core_bf16).
        let nanMax = Set(Battery.cases(.quick).filter { $0.kernel == .reduceMax && ($0.pattern == .nonFinite || $0.pattern == .nanVariety) }.map(\.id))
        expectOutcomes(report) { c in
            // oneDNN 2.x softmax has no mask input: causal and masked softmax are refused at prepare.
            // ABI 1.2's bias add and fp32 logits (flags) are refused at prepare too.
            guard c.capability?.supported == true, !Self.flagged.contains(c.id) else { return .unsupported }
            if c.kernel == .gemmI8 { return vnni ? .passed : .failed }
            if nanMax.contains(c.id) { return .failed }
            return .passed
        }
        // A bf16 or f16 softmax keeps exp(x − max) in its destination before it normalises
        // (scripts/repro/onednn_bf16_softmax.c); every other intermediate stays in fp32.
        for c in p.cases where c.capability?.supported == true {
            let narrow = c.kernel == .softmax && (c.type == .bf16 || c.type == .fp16)
            #expect(c.capability?.intermediates == (narrow ? c.type.floatType : nil), "\(c.id)")
        }
        // oneDNN 2.x has no RMSNorm primitive, so the core battery is incomplete.
        #expect(p.cases.filter { $0.kernel == .rmsnorm }.allSatisfy { $0.outcome == .unsupported })
        #expect(p.level.reached == 0)
        #expect(result.status == 1)
        #expect(p.backend.abiVersion == "1.2")
    }

    // MARK: OpenCL

    @Test(.enabled(if: available("opencl"), "the OpenCL plugin is not built"))
    func openCLOnPoCLReachesL2WithDeviceTiming() throws {
        guard let (result, report) = try certify("Profiles/opencl-pocl.yaml", plugin: "opencl") else { return }
        let p = report.predicate
        #expect(result.status == 0, "\(result.stderr)")
        expectOutcomes(report) { _ in .passed }
        #expect(p.level.reached == 2)
        // last_execute_ns comes from OpenCL event profiling.
        #expect(p.cases.filter { $0.refusal == nil }.allSatisfy { $0.latency?.clock == .device })
        // The driver, and the target it compiles for, are in the report.
        let implementation = try #require(p.backend.implementation)
        #expect(implementation.contains(", driver "), "\(implementation)")
        #expect(p.cases.allSatisfy { $0.capability?.intermediates == nil })
    }
}
