import CertifyBackends
import CertifyBattery
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The worker's deadline rule and signal names, which the report quotes.
@Suite struct WorkerPolicyTests {
    @Test func smallCasesGetTheFloorAndLargeOnesTwiceTheirWorkAtTheConservativeRate() throws {
        let quick = try #require(Battery.cases(.quick).first)
        #expect(CaseDeadline.seconds(for: quick, warmup: 3, iterations: 25, override: nil) == CaseDeadline.floorSeconds)
        // GEMM m128 n4608 k4096: 4.83 GFLOP per execution, 29 executions at 1e8 FLOP/s, doubled.
        let prefill = try #require(Battery.cases(.full).first { $0.id.hasPrefix("gemm.fp32.qkv-prefill") })
        let expected = 2 * 29 * (prefill.flops / 1e8 + Double(prefill.bytes) / 1e8)
        #expect(CaseDeadline.seconds(for: prefill, warmup: 3, iterations: 25, override: nil) == expected)
        #expect(expected > 2_000)
    }

    /// Every further run of a case (`--runs`) travels in the same request and adds a deadline of its
    /// own: the profile's per-run override, or one prepare and execute at the conservative rate.
    @Test func eachFurtherRunAddsItsOwnDeadline() throws {
        let quick = try #require(Battery.cases(.quick).first)
        #expect(CaseDeadline.seconds(for: quick, warmup: 3, iterations: 25, runs: 5, override: nil) == 5 * CaseDeadline.floorSeconds)
        #expect(CaseDeadline.seconds(for: quick, warmup: 3, iterations: 25, runs: 3, override: 0.5) == 1.5)
        let prefill = try #require(Battery.cases(.full).first { $0.id.hasPrefix("gemm.fp32.qkv-prefill") })
        let perExecution = prefill.flops / 1e8 + Double(prefill.bytes) / 1e8
        let expected = 2 * 29 * perExecution + 2 * (2 * 1 * perExecution)
        #expect(CaseDeadline.seconds(for: prefill, warmup: 3, iterations: 25, runs: 3, override: nil) == expected)
    }

    @Test func theProfileOverrideWins() throws {
        let quick = try #require(Battery.cases(.quick).first)
        #expect(CaseDeadline.seconds(for: quick, warmup: 3, iterations: 25, override: 0.5) == 0.5)
    }

    @Test(arguments: [
        (SIGSEGV, "SIGSEGV"), (SIGABRT, "SIGABRT"), (SIGBUS, "SIGBUS"), (SIGFPE, "SIGFPE"), (SIGILL, "SIGILL"),
        (SIGKILL, "SIGKILL"), (SIGTERM, "SIGTERM"), (SIGINT, "SIGINT"), (Int32(63), "signal 63"),
    ])
    func signalsAreNamedAsUsersKnowThem(_ signal: Int32, _ name: String) {
        #expect(SignalName.of(signal) == name)
    }
}
