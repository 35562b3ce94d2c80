import CertifyBattery
import CertifyNumerics

#if canImport(Glibc)
import Glibc
#endif

/// One case's run, as the supervisor asks for it: inputs in storage bytes and how often to time it.
package struct ExecutionRequest: Sendable {
    package var testCase: BatteryCase
    /// Each input tensor encoded in the case dtype, in ABI order.
    package var inputs: [[UInt8]]
    /// Size of each output tensor in bytes, in ABI order.
    package var outputByteCounts: [Int]
    package var warmup: Int
    /// The least number of timed executions.
    package var iterations: Int
    /// The least wall time of the timed loop, nanoseconds; the loop runs until both this and
    /// `iterations` are reached (and never beyond `Measurement.maxSamples`).
    package var minTimeNanoseconds: UInt64
    /// The most wall time the warm-up and the timed loop each spend once they have
    /// `Measurement.leastSamples` (warm-up: 1) calls, nanoseconds; 0 for no cap. A slow case (a
    /// full-suite prefill takes ~20 s a call on the reference CPU backend) then stops short of
    /// `iterations`, as benchdnn's `--max-ms-per-prb` stops a problem.
    package var maxTimeNanoseconds: UInt64 = 0
    /// Flush the host's caches between timed executions, outside the timing (cold-cache mode).
    package var flushCaches: Bool
    /// Extra executions after the timed loop, each output compared bitwise with the first.
    package var soak: Int
    /// Independent runs of the case: this request's own, then `runs - 1` more after its buffers and
    /// plan are released, each with fresh buffers, upload, prepare and one execute. They travel in
    /// one request so a worker answers a case in one round trip however many runs a tier asks for.
    package var runs = 1
    /// A second input set in the case dtype, in ABI order, or nil for none: after the timed loop it
    /// is uploaded into the same input buffers and executed once by the same plan, so a backend
    /// that replays a recorded result instead of computing shows (the soak then runs on the first
    /// set again).
    package var secondInputs: [[UInt8]]? = nil
    /// The inputs written into the backend's buffers by the supervisor once they are laid out,
    /// in place of `inputs` and `secondInputs` (both then empty).
    package var staged: StagedInputs? = nil

    package init(
        testCase: BatteryCase, inputs: [[UInt8]], outputByteCounts: [Int], warmup: Int, iterations: Int,
        minTimeNanoseconds: UInt64 = 0, flushCaches: Bool = false, soak: Int = 0
    ) {
        self.testCase = testCase
        self.inputs = inputs
        self.outputByteCounts = outputByteCounts
        self.warmup = warmup
        self.iterations = iterations
        self.minTimeNanoseconds = minTimeNanoseconds
        self.flushCaches = flushCaches
        self.soak = soak
    }
}

/// The host's monotonic clock, the one every host-side time is read on.
package enum Clock {
    package static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// When the timed loop stops, and the loop itself: one copy, run in-process and in the worker alike.
package enum Measurement {
    /// How far the minimum time may extend a case's timed loop: a sub-microsecond op would
    /// otherwise leave tens of thousands of samples per case, each stored, sent, judged and
    /// signed, for a p99 that 10,000 already pin down (its 100 slowest). `iterations` above
    /// this still run in full.
    package static let maxSamples = 10_000

    /// The fewest timed calls a case keeps when `maxTime` cuts its loop short: a median of 5 and
    /// their maximum standing for the p99 (which can only overstate it).
    package static let leastSamples = 5

    /// Whether another timed execution is due after `samples` of them, `elapsed` nanoseconds
    /// into the timed loop; `maxTime` (0: none) ends a loop past it that has `leastSamples`.
    package static func continues(samples: Int, elapsed: UInt64, iterations: Int, minTime: UInt64, maxTime: UInt64 = 0) -> Bool {
        if maxTime > 0 && elapsed >= maxTime && samples >= leastSamples { return false }
        return samples < iterations || (elapsed < minTime && samples < maxSamples)
    }

    /// Runs `warmup` untimed executions (fewer, at least one, once they have taken `maxTime`), then
    /// timed ones until `continues` says stop. A sample is
    /// one `execute` (execute + synchronize) on the host clock, and `deviceTime`'s reading after
    /// it when `deviceTimer` says the backend has one.
    ///
    /// The minimum time is the timed loop's wall time, not the sum of the samples: the loop then
    /// lasts as long whatever a call costs around the timed part (a cache flush, a device-timer
    /// query, the harness's own bookkeeping), so a faster harness path does not buy itself more
    /// samples to store, send and judge, and a cold-cache case's flushes count toward it.
    /// `clock` reads monotonic nanoseconds (a test gives it a clock of its own).
    package static func timedLoop(
        warmup: Int, iterations: Int, minTime: UInt64, maxTime: UInt64 = 0, flushCaches: Bool,
        execute: () throws(BackendError) -> Void, deviceTimer: Bool, clock: () -> UInt64 = Clock.nanoseconds,
        deviceTime: () throws(BackendError) -> UInt64
    ) throws(BackendError) -> (host: [UInt64], device: [UInt64]?) {
        let warmupStart = clock()
        for call in 0..<warmup {
            if maxTime > 0 && call > 0 && clock() &- warmupStart >= maxTime { break }
            try execute()
        }
        var host: [UInt64] = []
        var device: [UInt64]? = deviceTimer ? [] : nil
        host.reserveCapacity(iterations)
        device?.reserveCapacity(iterations)
        let flush = flushCaches ? CacheFlush() : nil
        let start = clock()
        var elapsed: UInt64 = 0
        while continues(samples: host.count, elapsed: elapsed, iterations: iterations, minTime: minTime, maxTime: maxTime) {
            flush?.run()
            let t0 = clock()
            try execute()
            let t1 = clock()
            host.append(t1 &- t0)
            if deviceTimer { device?.append(try deviceTime()) }
            elapsed = t1 &- start
        }
        return (host, device)
    }
}

/// What came back from one case's run.
package struct ExecutionOutcome: Sendable {
    /// Each output's bytes after the first execute.
    package var firstOutputs: [[UInt8]]
    /// Each output's bytes after the last timed execute (equal to the first when no iteration ran).
    package var lastOutputs: [[UInt8]]
    /// prepare + first execute + synchronize, host clock, nanoseconds.
    package var firstCallNanoseconds: UInt64
    /// Per timed iteration, execute + synchronize on the host's monotonic clock.
    package var hostSamples: [UInt64]
    /// Per timed iteration, the backend's device timer; nil when it has none.
    package var deviceSamples: [UInt64]?
    /// An out-of-bounds write the call survived (a canary found overwritten), in words.
    package var memoryViolation: String? = nil
    /// Claims the supervisor caught the backend in (outputs never written, impossible device times).
    package var lies: [String] = []
    /// Soak executions run after the timed loop.
    package var soakRuns: Int = 0
    /// Soak executions whose outputs were not bitwise identical to the first execute's.
    package var soakMismatches: Int = 0
    /// Each further independent run's outputs (`ExecutionRequest.runs - 1` of them).
    package var repeatOutputs: [[[UInt8]]] = []
    /// Each output's bytes after the execute on `ExecutionRequest.secondInputs`; nil when the
    /// request had no second input set.
    package var secondOutputs: [[UInt8]]? = nil

    package init(firstOutputs: [[UInt8]], lastOutputs: [[UInt8]], firstCallNanoseconds: UInt64, hostSamples: [UInt64], deviceSamples: [UInt64]?) {
        self.firstOutputs = firstOutputs
        self.lastOutputs = lastOutputs
        self.firstCallNanoseconds = firstCallNanoseconds
        self.hostSamples = hostSamples
        self.deviceSamples = deviceSamples
    }
}

/// The one interface the runner uses to talk to a backend.
///
/// A request carries a whole case so that an implementation in a separate worker process needs one
/// round trip per case; `InProcessSession` runs the plugin in this process.
package protocol BackendSession: AnyObject {
    var description: BackendDescription { get }
    /// The backend's answer for one kernel × dtype.
    func capability(kernel: Kernel, type: TensorType) throws(BackendError) -> CapabilityRecord
    /// Upload, prepare, execute (first call, warm-up, timed loop, the second input set, soak),
    /// download, release; then each further independent run the request asks for.
    func execute(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome
    /// Why no further case can run (the backend crashed too often); nil while it is usable.
    var unusableReason: String? { get }
    /// Whether `execute` writes a request's `staged` inputs itself; a session that does not is
    /// handed them as byte arrays (`ExecutionRequest.materialized`).
    var stagesInputs: Bool { get }
}

extension BackendSession {
    package var unusableReason: String? { nil }
    package var stagesInputs: Bool { false }
}
