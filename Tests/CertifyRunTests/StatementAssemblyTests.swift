import CertifyBattery
import CertifyProfiles
import CertifyReport
import Foundation
import Testing

@testable import CertifyRun

@Suite struct StatementAssemblyTests {
    /// The report certifies the library bytes the session hashed and loaded, even when the file at
    /// the path has changed since (a swap during the run).
    @Test func theBackendSubjectIsTheDigestOfTheBytesLoaded() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let chipPath = root.appendingPathComponent("Profiles/cpu.yaml").path
        let profile = try ProfileLoader.loadChip(path: chipPath, budgetKeys: Battery.budgetKeys)
        let swapped = FileManager.default.temporaryDirectory.appendingPathComponent("certify-swapped-\(UUID().uuidString).so")
        try Data("not the library that ran".utf8).write(to: swapped)
        defer { try? FileManager.default.removeItem(at: swapped) }
        let loaded = String(repeating: "5a", count: 32)
        let backend = BackendDescription(
            libraryPath: swapped.path, librarySHA256: loaded, name: "cpu", version: "1.0.0", abiVersion: "1.1",
            deviceName: "host", deviceVendor: "certify", driverVersion: "1", deviceMemoryBytes: 0, hasDeviceTimer: false)
        let plan = RunPlan(profile: profile, tiers: [], suite: .quick, seed: 1, soak: 0, runs: 1, coldCache: false)
        let assembly = StatementAssembly(
            profile: profile, chipPath: chipPath, tiers: [], library: swapped.path, plan: plan,
            choice: SeedChoice(suite: .quick, seed: 1, origin: .given), isolation: .worker, backend: backend, started: Date())
        let statement = try assembly.statement(RunSummary(results: [], end: .completed), folder: swapped.deletingLastPathComponent())
        #expect(statement.subjects(.backend).map(\.digest) == [["sha256": loaded]])
    }
}

@Suite struct RunPlanTimingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func plan(tiers: [String]) throws -> RunPlan {
        let profile = try ProfileLoader.loadChip(path: Self.root.appendingPathComponent("Profiles/cpu.yaml").path, budgetKeys: Battery.budgetKeys)
        let loaded = try tiers.map { try ProfileLoader.loadTier(path: Self.root.appendingPathComponent("Profiles/tiers/\($0).yaml").path) }
        return RunPlan(profile: profile, tiers: loaded, suite: .quick, seed: 1, soak: 0, runs: 1, coldCache: false)
    }

    /// The profile's time cap applies to a plain run and to a tier that asks for no timing; a tier
    /// that sets the calls or the minimum time gets them in full, whatever a case costs.
    @Test func aTierThatSetsTheTimingTurnsTheCapOff() throws {
        #expect(try plan(tiers: []).maxTimeNanoseconds == UInt64(LatencySpec.defaultMaxTimeMilliseconds * 1e6))
        #expect(try plan(tiers: ["developer"]).maxTimeNanoseconds > 0)
        let finance = try plan(tiers: ["developer", "finance"])
        #expect(finance.maxTimeNanoseconds == 0)
        #expect(finance.iterations >= 100)
    }
}
