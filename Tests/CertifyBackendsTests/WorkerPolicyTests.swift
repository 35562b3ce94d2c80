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
        // GEMM m128 n4608 k4096: 4.83 GFLOP per execution, 29 executions at 1e8 FLOP/s, and its
        // tensors (A, B, C: 80 MB) allocated and filled at 1e8 B/s, doubled.
        let prefill = try #require(Battery.cases(.full).first { $0.id.hasPrefix("gemm.fp32.qkv-prefill") })
        #expect(prefill.tensorBytes == 4 * (128 * 4096 + 4096 * 4608 + 128 * 4608))
        let setup = 2 * Double(prefill.tensorBytes) / 1e8
        let expected = 2 * (29 * (prefill.flops / 1e8 + Double(prefill.bytes) / 1e8) + setup)
        #expect(CaseDeadline.seconds(for: prefill, warmup: 3, iterations: 25, override: nil) == expected)
        #expect(expected > 2_000)
    }

    /// The full suite's token embedding gathers 128 rows (2 MB) from a 65024×4096 fp32 table (1 GB):
    /// its executions alone gave it the 5 s floor a run, which killed the reference backend while it
    /// was allocating and uploading the table. Its buffers' setup now counts: 2 × 1 GB at 1e8 B/s,
    /// doubled, 40 s a run.
    @Test func aLargeTableTheKernelBarelyReadsStillGetsTimeToBeSetUp() throws {
        let embedding = try #require(Battery.cases(.full).first { $0.id == "embedding.fp32.embed.128x65024x4096" })
        #expect(embedding.bytes < 5_000_000)
        #expect(embedding.tensorBytes > 1_065_000_000)
        #expect(CaseDeadline.seconds(for: embedding, warmup: 3, iterations: 25, runs: 2, override: nil) > 2 * 40)
    }

    /// Every further run of a case (`--runs`) travels in the same request and adds a deadline of its
    /// own: the profile's per-run override, or one prepare and execute at the conservative rate.
    @Test func eachFurtherRunAddsItsOwnDeadline() throws {
        let quick = try #require(Battery.cases(.quick).first)
        #expect(CaseDeadline.seconds(for: quick, warmup: 3, iterations: 25, runs: 5, override: nil) == 5 * CaseDeadline.floorSeconds)
        #expect(CaseDeadline.seconds(for: quick, warmup: 3, iterations: 25, runs: 3, override: 0.5) == 1.5)
        let prefill = try #require(Battery.cases(.full).first { $0.id.hasPrefix("gemm.fp32.qkv-prefill") })
        let perExecution = prefill.flops / 1e8 + Double(prefill.bytes) / 1e8
        let setup = 2 * Double(prefill.tensorBytes) / 1e8
        let expected = 2 * (29 * perExecution + setup) + 2 * (2 * (perExecution + setup))
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
