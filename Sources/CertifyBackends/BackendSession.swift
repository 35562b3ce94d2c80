import CertifyBattery
import CertifyNumerics

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
    /// The least time the timed executions add up to, nanoseconds; the loop runs until both this
    /// and `iterations` are reached (and never beyond `Measurement.maxSamples`).
    package var minTimeNanoseconds: UInt64
    /// Flush the host's caches between timed executions, outside the timing (cold-cache mode).
    package var flushCaches: Bool
    /// Extra executions after the timed loop, each output compared bitwise with the first.
    package var soak: Int

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

/// When the timed loop stops.
package enum Measurement {
    /// A cap on samples, so a minimum time on a nanosecond-scale op cannot fill memory.
    package static let maxSamples = 1_000_000

    /// Whether another timed execution is due after `samples` of them took `elapsed` nanoseconds.
    package static func continues(samples: Int, elapsed: UInt64, iterations: Int, minTime: UInt64) -> Bool {
        samples < iterations || (elapsed < minTime && samples < maxSamples)
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
}

/// The one interface the runner uses to talk to a backend.
///
/// A request carries a whole case so that an implementation in a separate worker process needs one
/// round trip per case; `InProcessSession` runs the plugin in this process.
package protocol BackendSession: AnyObject {
    var description: BackendDescription { get }
    /// The backend's answer for one kernel × dtype.
    func capability(kernel: Kernel, type: TensorType) throws(BackendError) -> CapabilityRecord
    /// Upload, prepare, execute (first call, warm-up, timed loop), download, release.
    func execute(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome
    /// Why no further case can run (the backend crashed too often); nil while it is usable.
    var unusableReason: String? { get }
}

extension BackendSession {
    package var unusableReason: String? { nil }
}
