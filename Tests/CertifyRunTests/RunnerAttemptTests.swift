import CertifyBackends
import CertifyBase
import CertifyRun
import Foundation
import CertifyBattery
import Testing

/// The cpu backend's real outputs with timings the test chooses: the runner's re-measurement
/// without a clock.
private final class ScriptedTimings: BackendSession {
    let inner: InProcessSession
    /// One timed loop's samples per request, in order.
    var timings: [[UInt64]]
    private(set) var requests = 0

    init(_ timings: [[UInt64]]) throws {
        let library = URL(fileURLWithPath: ExecutableLocation.directory).appendingPathComponent("libcertify_backend_cpu.so").path
        inner = try InProcessSession(path: library, expectedSHA256: nil, options: [])
        self.timings = timings
    }

    var description: BackendDescription { inner.description }

    func capability(kernel: Kernel, type: TensorType) throws(BackendError) -> CapabilityRecord {
        try inner.capability(kernel: kernel, type: type)
    }

    func execute(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome {
        var outcome = try inner.execute(request)
        requests += 1
        outcome.hostSamples = timings.removeFirst()
        outcome.deviceSamples = nil
        return outcome
    }
}

/// s, 2s, 3s, 4s, 5s: robust CV 0.494, noisy against 0.1.
private func noisy(_ s: UInt64) -> [UInt64] { (1...5).map { $0 * s } }
/// Twenty samples within 1 % of `center`.
private func steady(_ center: UInt64) -> [UInt64] { (0..<20).map { center + UInt64($0) * center / 2000 } }

@Suite struct RunnerAttemptTests {
    /// Timings per request, the attempts the plan allows → requests made, the attempt kept
    /// (nil: timed once), and whether the latency ends unstable.
    @Test(arguments: [
        ([steady(50_000)], 3, 1, nil, false),
        ([noisy(40_000), steady(90_000), noisy(1_000)], 3, 2, 2, false),
        ([noisy(50_000), noisy(40_000), noisy(60_000), steady(1_000)], 3, 3, 2, true),
        ([noisy(50_000), steady(1_000)], 1, 1, nil, true),
    ] as [([[UInt64]], Int, Int, Int?, Bool)])
    func aNoisyCaseIsTimedAgainUntilStableOrOutOfAttempts(
        timings: [[UInt64]], allowed: Int, requests: Int, kept: Int?, unstable: Bool
    ) throws {
        let testCase = try #require(Battery.cases(.quick).first { $0.kernel == .add && $0.opType == .fp32 })
        var plan = RunPlan(
            cases: [testCase], seed: 1,
            numerics: DeclaredNumericsModel(accumulation: [:], flushesSubnormals: false, rounding: .nearestEven),
            warmup: 0, iterations: 5, budgets: [Battery.defaultBudgetKey: BudgetMicroseconds(p50: 100, p99: 200)])
        plan.latencyAttempts = allowed
        let session = try ScriptedTimings(timings)
        let result = try #require(Runner.run(plan, on: session).first)
        #expect(result.outcome == .passed, "\(result.message ?? "")")
        let latency = try #require(result.latency)
        #expect(session.requests == requests)
        #expect(latency.attemptCount == requests)
        #expect(latency.keptAttempt == kept)
        #expect(latency.samples == timings[(kept ?? 1) - 1])
        #expect(latency.unstable == unstable)
        #expect(latency.attempts?.map(\.count) == (requests > 1 ? timings.prefix(requests).map(\.count) : nil))
    }
}
