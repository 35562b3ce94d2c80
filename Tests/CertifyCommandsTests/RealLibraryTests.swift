import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// End-to-end quick-suite runs of the backends over real libraries (OpenBLAS, oneDNN, OpenCL on
/// PoCL). `scripts/build-real-backends` builds them next to certify. Outside CI a missing plugin
/// skips its test; in CI (`CI=true`, as `.ci/run` runs) it fails, so a broken install cannot pass
/// as green.
@Suite struct RealLibraryTests {
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static func pluginPath(_ name: String) -> String {
        CLI.buildDirectory.appendingPathComponent("libcertify_backend_\(name).so").path
    }

    static func available(_ name: String) -> Bool {
        inCI || FileManager.default.fileExists(atPath: pluginPath(name))
    }

    /// Runs the quick suite on `profile`; records an issue instead when the plugin is missing.
    private func certify(_ profile: String, plugin: String) throws -> (CLI.Result, Statement)? {
        guard FileManager.default.fileExists(atPath: Self.pluginPath(plugin)) else {
            Issue.record("\(Self.pluginPath(plugin)) is missing; run scripts/build-real-backends (CI=true requires it)")
            return nil
        }
        let folder = try TemporaryDirectory()
        let result = try CLI.run(["--chip", profile, "--suite", "quick", "--output", folder.path("report")])
        let data = try Data(contentsOf: folder.url.appendingPathComponent("report/report.json"))
        return (result, try Statement.decode(data))
    }

    /// Every case the backend runs passes (a real library never fails for our tolerances), except
    /// the kernels named in `knownLibraryBugs`, whose failures the README shows are the library's.
    private func expectNoFailures(_ report: Statement, knownLibraryBugs: Set<String> = []) {
        let bad = report.predicate.cases.filter {
            $0.outcome != .passed && $0.outcome != .unsupported && !knownLibraryBugs.contains($0.kernel.rawValue)
        }
        #expect(bad.isEmpty, "\(bad.map { "\($0.id): \($0.outcome) \($0.message ?? "")" })")
    }

    @Test(.enabled(if: available("openblas"), "the OpenBLAS plugin is not built"))
    func openBLASPassesEveryGEMMAndAnswersTheRestUnsupported() throws {
        guard let (result, report) = try certify("Profiles/openblas.yaml", plugin: "openblas") else { return }
        expectNoFailures(report)
        let cases = report.predicate.cases
        let blas: Set<String> = ["gemm", "gemm_batched"]
        #expect(cases.filter { blas.contains($0.kernel.rawValue) }.allSatisfy { $0.outcome == .passed })
        #expect(cases.filter { !blas.contains($0.kernel.rawValue) }.allSatisfy { $0.outcome == .unsupported })
        // BLAS has no softmax, norms or activations: the core battery is incomplete, so no level.
        #expect(report.predicate.level.level == 0)
        #expect(result.status == 1)
        #expect(report.predicate.backend.name == "openblas")
    }

    @Test(.enabled(if: available("onednn"), "the oneDNN plugin is not built"))
    func oneDNNPassesItsFP32PrimitivesAndRefusesWhatItLacks() throws {
        guard let (result, report) = try certify("Profiles/onednn.yaml", plugin: "onednn") else { return }
        // oneDNN's own defects, shown with reproductions in the README: s8×s8 matmul saturates
        // u8·s8 pair sums in int16 on CPUs without VNNI, and max reduction drops some NaNs.
        expectNoFailures(report, knownLibraryBugs: ["gemm_i8", "reduce_max"])
        let cases = report.predicate.cases
        // oneDNN 2.x softmax has no mask input: the causal and masked variants are refused at prepare.
        let flagged = Set(Battery.cases(.quick).filter { $0.flags != 0 }.map(\.id))
        #expect(cases.filter { flagged.contains($0.id) }.allSatisfy { $0.outcome == .unsupported })
        let fp32 = cases.filter { $0.type == .fp32 && [.gemm, .softmax, .silu].contains($0.kernel) && $0.role != .edge && !flagged.contains($0.id) }
        #expect(!fp32.isEmpty)
        #expect(fp32.allSatisfy { $0.outcome == .passed })
        // oneDNN 2.x has no RMSNorm primitive.
        #expect(cases.filter { $0.kernel == .rmsnorm }.allSatisfy { $0.outcome == .unsupported })
        #expect(report.predicate.level.level == 0)
        #expect(result.status == 1)
    }

    @Test(.enabled(if: available("opencl"), "the OpenCL plugin is not built"))
    func openCLOnPoCLReachesL2WithDeviceTiming() throws {
        guard let (result, report) = try certify("Profiles/opencl-pocl.yaml", plugin: "opencl") else { return }
        #expect(result.status == 0, "\(result.stderr)")
        expectNoFailures(report)
        #expect(report.predicate.cases.allSatisfy { $0.outcome == .passed })
        #expect(report.predicate.level.level == 2)
        // last_execute_ns comes from OpenCL event profiling.
        #expect(report.predicate.cases.allSatisfy { $0.latency?.clock == .device })
    }
}
