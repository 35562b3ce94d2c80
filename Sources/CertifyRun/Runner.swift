import CertifyBackends
import CertifyBattery
import CertifyOracle
import CertifyProfiles
import Dispatch
import CertifyNumerics

/// A latency budget in microseconds; either percentile may be absent.
package struct BudgetMicroseconds: Sendable, Equatable {
    package var p50: Double?
    package var p99: Double?

    package init(p50: Double?, p99: Double?) {
        self.p50 = p50
        self.p99 = p99
    }
}

/// What to run and how to judge it.
package struct RunPlan: Sendable {
    package var cases: [BatteryCase]
    package var seed: UInt64
    package var numerics: DeclaredNumericsModel
    package var warmup: Int
    package var iterations: Int
    /// Keyed by case id, kernel name or `default`, in that order of precedence.
    package var budgets: [String: BudgetMicroseconds]
    /// The least wall time of a case's timed loop, nanoseconds.
    package var minTimeNanoseconds: UInt64 = 0
    /// The most wall time a case's warm-up and timed loop each spend once they have their least
    /// calls (ExecutionRequest.maxTimeNanoseconds); 0 for no cap.
    package var maxTimeNanoseconds: UInt64 = 0
    /// Flush caches between timed executions of memory-bound cases.
    package var coldCache = false
    /// A case whose robust coefficient of variation exceeds this is timed again, and flagged
    /// unstable when no attempt is within it.
    package var cvThreshold = LatencyStatistics.defaultCVThreshold
    /// Timed loops a noisy case gets at most, the first included.
    package var latencyAttempts = LatencyFigures.maxAttempts
    /// Extra executions of every case after its timed loop, each compared bitwise with the first.
    package var soak = 0
    /// Independent runs of every case (each with its own buffers, upload, prepare and one execute);
    /// the first is the timed one, and every other run's outputs are compared with its first output.
    package var runs = 1
    /// The chip's declared peaks; throughput is read against them and decides which cases are memory-bound.
    package var peaks: DeclaredPeaks?
    /// Where the oracle's expectations are remembered between runs; nil: always computed.
    package var oracleCache: OracleCache?
    /// The decoder of the model-level check run after the cases; nil: none (a plan made by hand).
    package var modelCheck: DecoderShape?

    package init(
        cases: [BatteryCase], seed: UInt64, numerics: DeclaredNumericsModel, warmup: Int, iterations: Int,
        budgets: [String: BudgetMicroseconds]
    ) {
        self.cases = cases
        self.seed = seed
        self.numerics = numerics
        self.warmup = warmup
        self.iterations = iterations
        self.budgets = budgets
    }

    package func budget(for testCase: BatteryCase) -> BudgetMicroseconds? {
        budgets[testCase.id] ?? budgets[testCase.kernel.rawValue] ?? budgets[Battery.defaultBudgetKey]
    }
}

/// Progress of a run, for the terminal.
package enum RunEvent: Sendable {
    case started(index: Int, total: Int, testCase: BatteryCase)
    case finished(index: Int, total: Int, result: CaseResult)
    /// The model-level check, after the cases.
    case modelCheckStarted(DecoderShape)
    case modelCheckFinished(ModelCheckRecord)
}

/// How a run ended.
package enum RunEnd: Sendable, Equatable {
    /// Every case was attempted.
    case completed
    /// The backend crashed too often; the remaining cases were not run.
    case backendUnusable(String)
    /// SIGINT or SIGTERM arrived; the remaining cases were not run.
    case interrupted(signal: Int32)
}

/// Every case's result, in plan order, and how the run ended.
package struct RunSummary: Sendable {
    package var results: [CaseResult]
    package var end: RunEnd
}

/// The supervisor's side of a run: makes inputs, asks the backend, and judges every output
/// against the fp64 oracle. Nothing is judged inside the backend's session.
package enum Runner {
    /// Runs every case of `plan` in order; a case that fails or errors never stops the run.
    package static func run(
        _ plan: RunPlan, on session: any BackendSession, progress: (RunEvent) -> Void = { _ in }
    ) -> [CaseResult] {
        run(plan, on: session, finished: [:], record: { _ in }, progress: progress).results
    }

    /// Runs the cases of `plan` not in `finished` (results from an earlier, interrupted run, reused
    /// as they are), handing each new result to `record` as soon as it exists. Stops attempting
    /// cases when the session becomes unusable or SIGINT/SIGTERM arrives (see `Interruption`);
    /// the cases left are recorded as not run, and never handed to `record`.
    package static func run(
        _ plan: RunPlan, on session: any BackendSession, finished: [String: CaseResult],
        record: (CaseResult) -> Void, progress: (RunEvent) -> Void = { _ in }
    ) -> RunSummary {
        var results: [CaseResult] = []
        var end = RunEnd.completed
        let total = plan.cases.count
        for (index, testCase) in plan.cases.enumerated() {
            if let done = finished[testCase.id] {
                results.append(done)
                progress(.finished(index: index, total: total, result: done))
                continue
            }
            if end == .completed, let signal = Interruption.signal { end = .interrupted(signal: signal) }
            if end == .completed, let reason = session.unusableReason { end = .backendUnusable(reason) }
            var result: CaseResult
            if end == .completed {
                progress(.started(index: index, total: total, testCase: testCase))
                result = run(testCase, plan: plan, session: session)
                if result.outcome == .notRun, let signal = Interruption.signal { end = .interrupted(signal: signal) }
            } else {
                let model = ToleranceModel(for: testCase, numerics: plan.numerics)
                result = CaseResult(testCase: testCase, outcome: .notRun, tolerance: model.derivation(for: testCase))
            }
            switch end {
            case .completed: break
            case .backendUnusable(let reason): if result.outcome == .notRun { result.message = reason }
            case .interrupted(let signal):
                if result.outcome == .notRun { result.message = "the run was interrupted by \(SignalName.of(signal))" }
            }
            if result.outcome != .notRun { record(result) }
            results.append(result)
            progress(.finished(index: index, total: total, result: result))
        }
        return RunSummary(results: results, end: end)
    }

    static func run(_ testCase: BatteryCase, plan: RunPlan, session: any BackendSession) -> CaseResult {
        let model = ToleranceModel(for: testCase, numerics: plan.numerics)
        var result = CaseResult(testCase: testCase, outcome: .error, tolerance: model.derivation(for: testCase))
        // A plugin of an older minor ABI cannot be asked what its header does not define: the case
        // is one it does not support, and says why (certify_backend.h, "Versioning").
        if testCase.abiMinor > session.description.abiMinor {
            result.outcome = .unsupported
            result.message =
                "\(testCase.kernel.rawValue)\(testCase.flags != 0 ? " with flags 0x\(String(testCase.flags, radix: 16))" : "") needs plugin ABI 1.\(testCase.abiMinor); the backend speaks ABI \(session.description.abiVersion)"
            return result
        }
        do {
            let capability = try session.capability(kernel: testCase.kernel, type: testCase.opType)
            result.capability = capability
            guard capability.supported else {
                result.outcome = .unsupported
                result.message = "the backend does not implement \(testCase.kernel.rawValue) in \(testCase.opType.rawValue)"
                return result
            }
        } catch {
            result.message = error.message
            return result
        }

        if testCase.refusal != nil { return refuse(testCase, plan: plan, session: session, into: result) }
        // Each input set is written straight into the backend's buffers once the session has laid
        // them out, and its references formed then (InputStaging): before anything of the case
        // runs, never while it is timed.
        let staging = InputStaging(testCase: testCase, plan: plan)
        // Every case that computes something is executed again by the same plan on a second input
        // set; an empty tensor gives it nothing new to compute.
        let staged = StagedInputs(
            byteCounts: zip(testCase.inputTypes, testCase.inputCounts).map { $0.byteCount($1) },
            secondSet: !testCase.shape.contains(0), write: staging.write)
        let memoryBound =
            plan.peaks?.isMemoryBound(flops: testCase.flops, bytes: testCase.bytes, type: testCase.floatType)
            ?? (testCase.flops == 0)
        let coldCache = plan.coldCache && memoryBound
        let outcome: ExecutionOutcome
        var attempts: [[UInt64]]
        do {
            // The inputs are staged: the session writes them into its buffers, and certify
            // holds none of them in the request.
            var request = ExecutionRequest(
                testCase: testCase,
                inputs: [],
                outputByteCounts: zip(testCase.outputTypes, testCase.outputCounts).map { $0.byteCount($1) },
                warmup: plan.warmup, iterations: plan.iterations, minTimeNanoseconds: plan.minTimeNanoseconds,
                flushCaches: coldCache, soak: plan.soak)
            request.runs = plan.runs
            request.maxTimeNanoseconds = plan.maxTimeNanoseconds
            request.staged = staged
            if !session.stagesInputs { request = try request.materialized() }
            outcome = try session.execute(request)
            attempts = [outcome.deviceSamples ?? outcome.hostSamples]
            // Noise is evidence of neither speed nor slowness: a noisy case is timed again, each
            // attempt its own timed loop, until one is stable or the attempts run out. The budgets
            // are judged on the best attempt (LatencyFigures), as load can only add time.
            var again = request
            (again.soak, again.runs, again.secondInputs) = (0, 1, nil)
            // Staged, set 1 is written again (its references are formed already).
            again.staged?.secondSet = false
            while attempts.count < plan.latencyAttempts,
                LatencyStatistics(samples: attempts[attempts.count - 1]).isNoisy(threshold: plan.cvThreshold)
            {
                let next = try session.execute(again)
                attempts.append(next.deviceSamples ?? next.hostSamples)
            }
        } catch {
            result.outcome = error.kind.outcome
            result.message = error.message
            if error.kind == .unsupported && testCase.flags == 0 {
                // query() said supported (or we would not be here): the answer was a lie. A variant
                // with flags may be refused at prepare: query() cannot speak of flags in ABI 1.0.
                result.outcome = .lied
                result.message = "query() said \(testCase.kernel.rawValue) in \(testCase.opType.rawValue) is supported, but \(error.message)"
                result.lies = [result.message!]
            }
            if error.kind == .memoryViolation { result.memoryViolation = error.message }
            return result
        }
        guard let references = staging.references[1] else {
            preconditionFailure("a session executed \(testCase.id) without staging its inputs")
        }
        let secondReferences = staging.references[2]
        precondition(
            (secondReferences == nil) == (outcome.secondOutputs == nil), "a session ignored or invented a second input set")
        var oracleTime = staging.nanoseconds
        let judgeStart = DispatchTime.now().uptimeNanoseconds
        Judge.judge(
            testCase,
            outputs: ObservedOutputs(
                first: outcome.firstOutputs, last: outcome.lastOutputs, repeats: outcome.repeatOutputs,
                timed: !outcome.hostSamples.isEmpty, soakRuns: outcome.soakRuns, soakMismatches: outcome.soakMismatches,
                second: outcome.secondOutputs),
            references: references, secondReferences: secondReferences, into: &result)
        oracleTime += DispatchTime.now().uptimeNanoseconds - judgeStart
        result.oracleNanoseconds = oracleTime
        if !staging.cached.isEmpty { result.oracleCached = !staging.cached.contains(false) }

        let budget = plan.budget(for: testCase)
        result.latency = LatencyFigures(
            clock: outcome.deviceSamples == nil ? .hostMonotonic : .device,
            warmup: plan.warmup,
            attempts: attempts,
            firstCallNanoseconds: outcome.firstCallNanoseconds,
            budgetP50Microseconds: budget?.p50,
            budgetP99Microseconds: budget?.p99,
            cvThreshold: plan.cvThreshold, coldCache: coldCache)
        if let peaks = plan.peaks, let latency = result.latency {
            result.throughput = peaks.throughput(
                flops: testCase.flops, bytes: testCase.bytes, type: testCase.floatType,
                p50Microseconds: latency.p50Microseconds)
        }
        if outcome.soakRuns > 0 {
            result.soakRuns = outcome.soakRuns
            result.soakMismatches = outcome.soakMismatches
        }
        if result.outcome != .untrustworthy {
            result.outcome = .failed
            if result.passesStandard() { result.outcome = .passed }
        }
        result.memoryViolation = outcome.memoryViolation
        if let violation = outcome.memoryViolation, result.outcome != .untrustworthy {
            // A write out of bounds corrupts whatever the memory next to the buffer holds in a real
            // program, so right figures in the buffer do not make the case right.
            result.outcome = .failed
            result.message = [result.message, "memory violation: \(violation)"].compactMap { $0 }.joined(separator: "; ")
        }
        if !outcome.lies.isEmpty {
            result.outcome = .lied
            result.lies = outcome.lies
            result.message = outcome.lies.joined(separator: "; ")
        }
        return result
    }

    /// A case the ABI requires the backend to refuse: it passes when prepare or execute answers
    /// INVALID_ARGUMENT, and fails when the backend computes it, or refuses it as something else.
    static func refuse(_ testCase: BatteryCase, plan: RunPlan, session: any BackendSession, into result: CaseResult) -> CaseResult {
        var result = result
        let what = testCase.refusal ?? "an invalid argument"
        let request = ExecutionRequest(
            testCase: testCase, inputs: testCase.encodedInputs(seed: plan.seed).bytes,
            outputByteCounts: zip(testCase.outputTypes, testCase.outputCounts).map { $0.byteCount($1) },
            warmup: 0, iterations: 0)
        do {
            _ = try session.execute(request)
            result.outcome = .failed
            result.message = "accepted \(what) and computed a result; the ABI requires INVALID_ARGUMENT"
        } catch {
            switch error.kind {
            case .invalidArgument:
                result.outcome = .passed
                result.message = "refused \(what): \(error.message)"
            case .crashed, .timedOut, .memoryViolation, .interrupted, .notRun:
                result.outcome = error.kind.outcome
                result.message = error.message
            default:
                result.outcome = .failed
                result.message = "answered \(what) with another error than INVALID_ARGUMENT: \(error.message)"
            }
        }
        return result
    }
}

extension BackendErrorKind {
    /// The case outcome an error of this kind ends a case with.
    var outcome: CaseOutcome {
        switch self {
        case .unsupported: .unsupported
        case .crashed, .memoryViolation: .crashed
        case .timedOut: .timedOut
        case .interrupted, .notRun: .notRun
        case .notFound, .notLoadable, .missingBootstrap, .abiMismatch, .hashMismatch, .createFailed, .callFailed, .invalidArgument:
            .error
        }
    }
}

/// Writes a case's input sets into the buffers the backend reads and forms the oracle's
/// references of each as it is written, before anything of the case runs (never while it is
/// timed). A streamed tensor (`BatteryCase.streams(input:)`) goes into the buffers a block at a
/// time, and on a cache miss each block is handed to the oracle as it is drawn
/// (`StreamedExpectations`): the oracle never reads an input back from the shared memory, which
/// the backend's worker can write. With worker isolation certify then never holds the tensor (a
/// full-suite GEMM's B is 0.9 GB of fp64 per input set); what it holds through the execute are the
/// references, for a GEMM C-sized. Called only from within the session's `execute`.
final class InputStaging {
    let testCase: BatteryCase
    let plan: RunPlan
    /// Each set's references, once formed.
    private(set) var references: [Int: [Expectation]] = [:]
    /// Per set formed: whether its references came from the oracle cache.
    private(set) var cached: [Bool] = []
    /// Time spent making each set's inputs and references the first time it is written.
    private(set) var nanoseconds: UInt64 = 0

    init(testCase: BatteryCase, plan: RunPlan) {
        (self.testCase, self.plan) = (testCase, plan)
    }

    /// Writes input set `set` into `buffers` and forms its references, unless they are formed
    /// already: a noisy case timed again gets set 1 written again, and nothing more.
    func write(set: Int, into buffers: any InputBuffers) throws(BackendError) {
        let (testCase, seed, numerics) = (self.testCase, plan.seed, plan.numerics)
        guard references[set] == nil else {
            _ = try writeInputs(set, into: buffers, oracle: nil)
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { nanoseconds += DispatchTime.now().uptimeNanoseconds - start }
        if let stored = plan.oracleCache?.stored(for: testCase, seed: seed, inputSet: set, numerics: numerics) {
            _ = try writeInputs(set, into: buffers, oracle: nil)
            references[set] = stored
            cached.append(true)
            return
        }
        var oracleTime: UInt64 = 0
        let formed = try writeInputs(set, into: buffers, oracle: numerics) { oracleTime += $0 }
        references[set] = formed
        guard let cache = plan.oracleCache else { return }
        // Whether an entry is worth keeping weighs the oracle's own time, not the drawing.
        cache.keep(formed, nanoseconds: oracleTime, for: testCase, seed: seed, inputSet: set, numerics: numerics)
        cached.append(false)
    }

    /// Writes the set's inputs, the held ones first, then the streamed one block by block; with
    /// `oracle` (the declared numerics), forms the references of what was written, telling
    /// `timing` each stretch of time that takes.
    private func writeInputs(
        _ set: Int, into buffers: any InputBuffers, oracle numerics: DeclaredNumericsModel?,
        timing: (UInt64) -> Void = { _ in }
    ) throws(BackendError) -> [Expectation] {
        func timed<T>(_ work: () -> T) -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            defer { timing(DispatchTime.now().uptimeNanoseconds - start) }
            return work()
        }
        let (testCase, seed) = (self.testCase, plan.seed)
        var held: [[Double]?] = []
        for index in testCase.inputTypes.indices {
            guard !testCase.streams(input: index) else {
                held.append(nil)
                continue
            }
            let (values, bytes) = testCase.encodedInput(index, seed: seed, set: set)
            try buffers.write(input: index, at: 0, bytes)
            held.append(numerics == nil ? [] : values)
        }
        guard let streamed = held.firstIndex(where: { $0 == nil }) else {
            guard let numerics else { return [] }
            return timed { testCase.expectations(held.map { $0! }, numerics: numerics) }
        }
        let oracle = numerics.map { numerics in timed { StreamedExpectations(testCase, held: held, seed: seed, set: set, numerics: numerics) } }
        let type = testCase.inputTypes[streamed]
        try testCase.streamInput(streamed, seed: seed, set: set, withValues: oracle != nil) { (offset, bytes, values) throws(BackendError) in
            try buffers.write(input: streamed, at: type.byteCount(offset), bytes)
            if let oracle { timed { oracle.consume(offset: offset, values: values) } }
        }
        return oracle.map { oracle in timed { oracle.finish() } } ?? []
    }
}
