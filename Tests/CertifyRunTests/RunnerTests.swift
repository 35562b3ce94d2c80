import CertifyBackends
import CertifyBattery
import CertifyNumerics
import CertifyOracle
import CertifyReport
import CertifyRun
import Testing

/// A backend the test scripts: it answers every case with the oracle's own values (a perfect
/// backend) unless told to refuse, lie, corrupt a later run, replay its first result, write out
/// of bounds or become unusable.
private final class FakeSession: BackendSession {
    enum Behaviour {
        case perfect
        case unsupported
        case refusesAtPrepare
        case claimsOutputsItNeverWrote
        case laterRunsWrong
        case replaysFirstResult
        case writesPastItsOutput
        case crashesAfter(Int)
        case refusesInvalidArguments
    }

    let behaviour: Behaviour
    private(set) var requests = 0
    /// The cases whose request carried a second input set.
    private(set) var secondSets: [String] = []
    var unusableReason: String?

    init(_ behaviour: Behaviour) {
        self.behaviour = behaviour
    }

    var description: BackendDescription {
        BackendDescription(
            libraryPath: "/fake.so", librarySHA256: String(repeating: "0", count: 64), name: "fake", version: "1", abiVersion: "1.2",
            deviceName: "fake", deviceVendor: "test", driverVersion: "1", deviceMemoryBytes: 0, hasDeviceTimer: false)
    }

    func capability(kernel: Kernel, type: TensorType) throws(BackendError) -> CapabilityRecord {
        if case .unsupported = behaviour { return CapabilityRecord(supported: false, accumulation: nil, flushesSubnormals: false, rounding: .nearestEven) }
        return CapabilityRecord(supported: true, accumulation: .fp32, flushesSubnormals: false, rounding: .nearestEven)
    }

    /// The oracle's values for `inputs`, rounded to the output types.
    private func outputs(_ testCase: BatteryCase, _ inputs: [[UInt8]]) -> [[UInt8]] {
        let decoded = zip(testCase.inputTypes, testCase.inputCounts).enumerated().map { index, pair in
            Array(pair.0.decode(inputs[index]).prefix(pair.1))
        }
        let numerics = DeclaredNumericsModel(accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven)
        return zip(testCase.outputTypes, testCase.expectations(decoded, numerics: numerics)).map { type, expected in
            type.encode(expected.values.map { type.floatType?.round($0) ?? $0 })
        }
    }

    func execute(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome {
        requests += 1
        let testCase = request.testCase
        if case .refusesInvalidArguments = behaviour, let what = testCase.refusal {
            throw BackendError(.invalidArgument, "prepare failed: INVALID_ARGUMENT: \(what)")
        }
        if testCase.refusal != nil {
            // Computes the invalid case anyway, as a backend that checks nothing would.
            let zeros = zip(testCase.outputTypes, testCase.outputCounts).map { type, count in type.encode([Double](repeating: 0, count: count)) }
            return ExecutionOutcome(firstOutputs: zeros, lastOutputs: zeros, firstCallNanoseconds: 1, hostSamples: [], deviceSamples: nil)
        }
        let outputs = self.outputs(testCase, request.inputs)
        var outcome = ExecutionOutcome(
            firstOutputs: outputs, lastOutputs: outputs, firstCallNanoseconds: 1_000, hostSamples: [50_000, 50_000, 50_000],
            deviceSamples: nil)
        switch behaviour {
        case .perfect, .unsupported, .refusesInvalidArguments: break
        case .refusesAtPrepare: throw BackendError(.unsupported, "prepare failed: UNSUPPORTED: not today")
        case .claimsOutputsItNeverWrote: outcome.lies = ["output 0 was never written"]
        case .laterRunsWrong:
            outcome.repeatOutputs = (1..<request.runs).map { _ in
                zip(testCase.outputTypes, testCase.outputCounts).map { type, count in type.encode([Double](repeating: 7, count: count)) }
            }
        case .replaysFirstResult: break
        case .writesPastItsOutput:
            outcome.memoryViolation = "execute wrote 64 bytes past the end of output 0 inside its own buffer (16384 bytes and 256 of slack)"
        case .crashesAfter(let limit):
            if requests >= limit { unusableReason = "the backend crashed \(limit) times" }
        }
        if let second = request.secondInputs {
            secondSets.append(testCase.id)
            if case .replaysFirstResult = behaviour {
                outcome.secondOutputs = outputs
            } else {
                outcome.secondOutputs = self.outputs(testCase, second)
            }
        }
        if outcome.repeatOutputs.isEmpty { outcome.repeatOutputs = Array(repeating: outputs, count: max(0, request.runs - 1)) }
        return outcome
    }
}

@Suite struct RunnerTests {
    private func plan(_ kernels: Set<Kernel> = [.add, .silu], runs: Int = 2) -> RunPlan {
        var plan = RunPlan(
            cases: Battery.cases(.quick).filter { kernels.contains($0.kernel) && $0.pattern == .typical }, seed: 1,
            numerics: DeclaredNumericsModel(accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven),
            warmup: 0, iterations: 3, budgets: [Battery.defaultBudgetKey: BudgetMicroseconds(p50: 100, p99: 200)])
        plan.runs = runs
        return plan
    }

    @Test func aPerfectBackendPassesEveryCase() {
        let results = Runner.run(plan(), on: FakeSession(.perfect))
        #expect(!results.isEmpty)
        #expect(results.allSatisfy { $0.outcome == .passed })
        #expect(results.allSatisfy { $0.repeatability?.bitwiseIdentical == true && $0.latency?.p50Microseconds == 50 })
    }

    @Test func anUnsupportedKernelIsAnAnswerNotAFailure() {
        let results = Runner.run(plan(), on: FakeSession(.unsupported))
        #expect(results.allSatisfy { $0.outcome == .unsupported })
        #expect(results.first?.message == "the backend does not implement silu in fp32")
    }

    @Test func refusingAtPrepareWhatQuerySaidItSupportsIsALie() throws {
        let result = try #require(Runner.run(plan([.add]), on: FakeSession(.refusesAtPrepare)).first)
        #expect(result.outcome == .lied)
        #expect(result.message == "query() said add in fp32 is supported, but prepare failed: UNSUPPORTED: not today")
        #expect(result.lies == [result.message!])
    }

    @Test func aLieTheSessionCaughtMakesTheCaseLied() throws {
        let result = try #require(Runner.run(plan([.add]), on: FakeSession(.claimsOutputsItNeverWrote)).first)
        #expect(result.outcome == .lied)
        #expect(result.message == "output 0 was never written")
    }

    @Test func laterRunsThatDisagreeFailTheCase() throws {
        let result = try #require(Runner.run(plan([.add], runs: 3), on: FakeSession(.laterRunsWrong)).first)
        #expect(result.outcome == .failed)
        let repeatability = try #require(result.repeatability)
        #expect(repeatability.runs == 4)
        #expect(!repeatability.bitwiseIdentical)
        #expect(repeatability.maxDifferenceRatio > 1)
    }

    @Test func everyCaseThatComputesGetsASecondInputSet() throws {
        var gemms = plan([.gemm])
        gemms.cases = Battery.cases(.quick).filter { $0.kernel == .gemm && $0.opType == .fp32 }
        let session = FakeSession(.perfect)
        let results = Runner.run(gemms, on: session)
        #expect(results.allSatisfy { $0.outcome == .passed })
        // K = 0 leaves nothing to compute from inputs, so no second set.
        #expect(session.secondSets == gemms.cases.filter { !$0.shape.contains(0) }.map(\.id))
        #expect(session.secondSets.count < gemms.cases.count)
    }

    @Test func replayingTheFirstResultOnASecondInputSetFailsTheCase() throws {
        let result = try #require(Runner.run(plan([.add]), on: FakeSession(.replaysFirstResult)).first)
        #expect(result.outcome == .failed)
        #expect(
            result.message
                == "within the standard tolerance on its inputs, but not on a second input set that the same plan executed in the same buffers after the timed loop")
        #expect(try #require(result.functionalRatio) > 1)
    }

    @Test func aMemoryViolationFailsACaseWhoseFiguresAreRight() throws {
        let result = try #require(Runner.run(plan([.add]), on: FakeSession(.writesPastItsOutput)).first)
        #expect(result.outcome == .failed)
        #expect(try #require(result.standardRatio) <= 1)
        #expect(result.memoryViolation == "execute wrote 64 bytes past the end of output 0 inside its own buffer (16384 bytes and 256 of slack)")
        #expect(result.message == "memory violation: \(result.memoryViolation ?? "")")
    }

    @Test func anUnusableBackendLeavesTheRestNotRun() {
        let summary = Runner.run(plan(), on: FakeSession(.crashesAfter(2)), finished: [:], record: { _ in })
        #expect(summary.end == .backendUnusable("the backend crashed 2 times"))
        #expect(summary.results.prefix(2).allSatisfy { $0.outcome == .passed })
        #expect(summary.results.dropFirst(2).allSatisfy { $0.outcome == .notRun && $0.message == "the backend crashed 2 times" })
    }

    @Test func finishedCasesAreTakenAsTheyAre() throws {
        let all = plan()
        let first = try #require(all.cases.first)
        var done = CaseResult(testCase: first, outcome: .failed, tolerance: "from the journal")
        done.message = "kept"
        var recorded: [String] = []
        let session = FakeSession(.perfect)
        let summary = Runner.run(all, on: session, finished: [first.id: done], record: { recorded.append($0.id) })
        #expect(summary.results.first == done)
        #expect(session.requests == all.cases.count - 1)
        #expect(recorded == all.cases.dropFirst().map(\.id))
    }

    private func refusals() -> RunPlan {
        var plan = plan()
        plan.cases = Battery.cases(.quick).filter { $0.refusal != nil }
        return plan
    }

    @Test func aBackendThatRefusesInvalidArgumentsPassesTheRefusalCases() {
        let results = Runner.run(refusals(), on: FakeSession(.refusesInvalidArguments))
        #expect(!results.isEmpty)
        #expect(results.allSatisfy { $0.outcome == .passed && $0.message?.hasPrefix("refused ") == true })
        #expect(results.allSatisfy { $0.latency == nil && $0.standardRatio == nil })
    }

    @Test func aBackendThatComputesAnInvalidCaseFailsIt() throws {
        let results = Runner.run(refusals(), on: FakeSession(.perfect))
        #expect(results.allSatisfy { $0.outcome == .failed })
        let rope = try #require(results.first { $0.id.hasPrefix("rope.fp32.fractional-offset") })
        #expect(rope.message == "accepted a RoPE position offset of 1.5 and computed a result; the ABI requires INVALID_ARGUMENT")
        let level = LevelPolicy.assess(results, context: LevelContext(backendPinned: false))
        #expect(level.gaps.first { $0.level == 2 }?.reasons.contains("\(rope.id) \(rope.message!)") == true)
    }
}
