import CertifyNumerics

/// How one case ended.
package enum CaseOutcome: String, Sendable, Codable {
    /// Every element within the standard tolerance, repeated runs agree.
    case passed
    /// The backend ran the case and got it wrong.
    case failed
    /// The backend says it does not implement the kernel × dtype.
    case unsupported
    /// The backend returned an error running a case it claims to support.
    case error
    /// The backend took its worker process down (a signal, an exit, a guard-page hit).
    case crashed
    /// The backend did not finish within the case's deadline; its worker was killed.
    case timedOut = "timed-out"
    /// The backend claimed something the supervisor disproved: a capability it lacks, outputs it
    /// never wrote, device times longer than the call.
    case lied
    /// The case was never attempted: the run was interrupted or the backend became unusable.
    case notRun = "not-run"
    /// The oracle's own output is mostly zeros or constant, so agreeing with it proves little:
    /// a battery defect, never a pass.
    case untrustworthy
}

/// What the backend reports about one kernel × dtype.
package struct CapabilityRecord: Sendable, Codable, Equatable {
    package var supported: Bool
    package var accumulation: DType?
    package var flushesSubnormals: Bool
    package var rounding: RoundingMode

    package init(supported: Bool, accumulation: DType?, flushesSubnormals: Bool, rounding: RoundingMode) {
        self.supported = supported
        self.accumulation = accumulation
        self.flushesSubnormals = flushesSubnormals
        self.rounding = rounding
    }
}

/// Whether running the same case again gives the same answer.
package struct Repeatability: Sendable, Codable, Equatable {
    /// Executions compared: the first and the last of the timed loop.
    package var runs: Int
    /// Largest element-wise difference between the runs, in units of the standard tolerance.
    package var maxDifferenceRatio: Double
    package var bitwiseIdentical: Bool

    package var withinTolerance: Bool { maxDifferenceRatio <= 1 }

    package init(runs: Int, maxDifferenceRatio: Double, bitwiseIdentical: Bool) {
        self.runs = runs
        self.maxDifferenceRatio = maxDifferenceRatio
        self.bitwiseIdentical = bitwiseIdentical
    }
}

/// Which clock a latency figure comes from.
package enum LatencyClock: String, Sendable, Codable {
    case hostMonotonic = "host-monotonic"
    case device
}

/// Latency of one case: a fixed number of timed executions after a warm-up.
package struct LatencyFigures: Sendable, Codable, Equatable {
    package var clock: LatencyClock
    package var warmup: Int
    package var samples: [UInt64]
    /// prepare() plus the first execute, nanoseconds: first-call latency.
    package var firstCallNanoseconds: UInt64
    package var budgetP50Microseconds: Double?
    package var budgetP99Microseconds: Double?

    package init(
        clock: LatencyClock, warmup: Int, samples: [UInt64], firstCallNanoseconds: UInt64,
        budgetP50Microseconds: Double?, budgetP99Microseconds: Double?
    ) {
        self.clock = clock
        self.warmup = warmup
        self.samples = samples
        self.firstCallNanoseconds = firstCallNanoseconds
        self.budgetP50Microseconds = budgetP50Microseconds
        self.budgetP99Microseconds = budgetP99Microseconds
    }

    /// The nearest-rank percentile of the samples, in microseconds.
    package func percentileMicroseconds(_ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1000
    }

    package var p50Microseconds: Double { percentileMicroseconds(50) }
    package var p99Microseconds: Double { percentileMicroseconds(99) }

    /// nil when the profile sets no p50 budget for the case.
    package var withinP50: Bool? { budgetP50Microseconds.map { p50Microseconds <= $0 } }
    package var withinP99: Bool? { budgetP99Microseconds.map { p99Microseconds <= $0 } }
}

/// Everything measured about one case.
package struct CaseResult: Sendable, Codable, Equatable {
    package var id: String
    package var kernel: Kernel
    /// The ABI op dtype (the source for CONVERT).
    package var type: TensorType
    /// CONVERT's destination.
    package var destination: TensorType?
    package var role: CaseRole
    package var shape: [Int]
    package var outcome: CaseOutcome
    /// Why the case is unsupported or errored, in the backend's words.
    package var message: String?
    package var capability: CapabilityRecord?
    /// Figures against the standard tolerance, for the output whose worst element is furthest out.
    package var standard: ErrorMetrics?
    /// Largest |error| / standard tolerance over the elements; a tier's tolerance scale compares with it.
    package var standardRatio: Double?
    package var functional: ErrorMetrics?
    package var functionalRatio: Double?
    package var tolerance: String
    package var repeatability: Repeatability?
    package var latency: LatencyFigures?
    package var flops: Double
    package var bytes: Int
    /// An out-of-bounds write caught by a guard page or canary, in words; nil when none was seen.
    package var memoryViolation: String?
    /// What the backend was caught claiming falsely; nil when nothing.
    package var lies: [String]?
    /// Time the supervisor spent generating inputs, computing the fp64 oracle and judging.
    package var oracleNanoseconds: UInt64?

    package init(testCase: BatteryCase, outcome: CaseOutcome, tolerance: String) {
        id = testCase.id
        kernel = testCase.kernel
        type = testCase.opType
        destination = testCase.destination
        role = testCase.role
        shape = testCase.shape
        self.outcome = outcome
        self.tolerance = tolerance
        flops = testCase.flops
        bytes = testCase.bytes
    }

    /// Whether every element is within `scale` × the standard tolerance.
    package func passesStandard(scale: Double = 1) -> Bool {
        guard outcome == .passed || outcome == .failed, let ratio = standardRatio else { return false }
        return ratio <= scale && (repeatability?.withinTolerance ?? true)
    }

    /// Whether every element is within `scale` × the functional tolerance.
    package func passesFunctional(scale: Double = 1) -> Bool {
        guard outcome == .passed || outcome == .failed, let ratio = functionalRatio else { return false }
        return ratio <= scale
    }
}
