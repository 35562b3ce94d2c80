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
    /// The narrower dtype the kernel stores intermediate tensors in between its steps (ABI 1.1
    /// `cb_capability.intermediates`); nil when every intermediate stays in the accumulation type,
    /// which is also what a 1.0 plugin and a report written before 1.1 mean.
    package var intermediates: DType?

    package init(
        supported: Bool, accumulation: DType?, flushesSubnormals: Bool, rounding: RoundingMode, intermediates: DType? = nil
    ) {
        (self.supported, self.accumulation, self.flushesSubnormals) = (supported, accumulation, flushesSubnormals)
        (self.rounding, self.intermediates) = (rounding, intermediates)
    }
}

/// Whether running the same case again gives the same answer.
package struct Repeatability: Sendable, Codable, Equatable {
    /// Executions compared: the first, the last of the timed loop, and every soak execution
    /// (soak executions are compared bitwise only).
    package var runs: Int
    /// Largest element-wise difference between the runs, in units of the standard tolerance.
    package var maxDifferenceRatio: Double
    /// The same in units of the functional tolerance (what L1 holds repeats to); absent in reports
    /// of battery 1.1.0 and before.
    package var maxFunctionalDifferenceRatio: Double?
    package var bitwiseIdentical: Bool

    package var withinTolerance: Bool { maxDifferenceRatio <= 1 }

    package init(runs: Int, maxDifferenceRatio: Double, maxFunctionalDifferenceRatio: Double? = nil, bitwiseIdentical: Bool) {
        (self.runs, self.maxDifferenceRatio, self.maxFunctionalDifferenceRatio, self.bitwiseIdentical) =
            (runs, maxDifferenceRatio, maxFunctionalDifferenceRatio, bitwiseIdentical)
    }
}

/// Which clock a latency figure comes from.
package enum LatencyClock: String, Sendable, Codable {
    case hostMonotonic = "host-monotonic"
    case device
}

/// Latency of one case: timed executions after a warm-up, until a minimum count and time are reached.
///
/// A case whose robust CV exceeds `cvThreshold` is timed again, each attempt its own timed loop,
/// up to `maxAttempts` loops or until one is stable. Load on the host can only add time to a
/// kernel, so a budget is judged on the lowest percentile any attempt measured (`bestP50Microseconds`,
/// `bestP99Microseconds`), and instability alone decides nothing.
package struct LatencyFigures: Sendable, Codable, Equatable {
    /// Timed loops a case gets at most: the first, and re-measurements while it stays noisy.
    package static let maxAttempts = 3

    package var clock: LatencyClock
    package var warmup: Int
    /// The kept attempt's samples (`keptAttempt`).
    package private(set) var samples: [UInt64]
    /// prepare() plus the first execute, nanoseconds: first-call latency.
    package var firstCallNanoseconds: UInt64
    package var budgetP50Microseconds: Double?
    package var budgetP99Microseconds: Double?
    /// Summary of `samples`, kept in the report so readers need not recompute it.
    package var statistics: LatencyStatistics
    /// The case was timed more than once because a measurement's robust CV exceeded the threshold.
    package var remeasured: Bool
    /// No attempt's robust CV was within `cvThreshold`: reported, and not compared by the gate,
    /// but not held against a level.
    package var unstable: Bool
    package var cvThreshold: Double
    /// Caches were flushed between timed executions (cold-cache mode, memory-bound cases).
    package var coldCache: Bool
    /// Every attempt's statistics in the order they ran; absent when the case was timed once
    /// (and in reports written before attempts were recorded, which re-measured at most once and
    /// kept the second measurement).
    package var attempts: [LatencyStatistics]?
    /// Which attempt (1-based) `samples` come from: the stable one, or when none was stable the
    /// one with the lowest p50; absent when the case was timed once.
    package var keptAttempt: Int?

    /// An encoder whose `userInfo` holds true under this key leaves `samples` out of the JSON: the
    /// report keeps them in its binary side file (latency.bin) instead.
    package static let samplesElsewhere = CodingUserInfoKey(rawValue: "certify.latency.samplesElsewhere")!

    private enum CodingKeys: String, CodingKey {
        case clock, warmup, samples, firstCallNanoseconds, budgetP50Microseconds, budgetP99Microseconds, statistics
        case remeasured, unstable, cvThreshold, coldCache, attempts, keptAttempt
    }

    /// Figures from a single timed loop.
    package init(
        clock: LatencyClock, warmup: Int, samples: [UInt64], firstCallNanoseconds: UInt64,
        budgetP50Microseconds: Double?, budgetP99Microseconds: Double?,
        cvThreshold: Double = LatencyStatistics.defaultCVThreshold, coldCache: Bool = false
    ) {
        self.init(
            clock: clock, warmup: warmup, attempts: [samples], firstCallNanoseconds: firstCallNanoseconds,
            budgetP50Microseconds: budgetP50Microseconds, budgetP99Microseconds: budgetP99Microseconds,
            cvThreshold: cvThreshold, coldCache: coldCache)
    }

    /// Figures from one or more timed loops of the same case, in the order they ran; keeps the
    /// samples of the first stable attempt, or when none is stable of the one with the lowest p50.
    package init(
        clock: LatencyClock, warmup: Int, attempts: [[UInt64]], firstCallNanoseconds: UInt64,
        budgetP50Microseconds: Double?, budgetP99Microseconds: Double?,
        cvThreshold: Double = LatencyStatistics.defaultCVThreshold, coldCache: Bool = false
    ) {
        precondition(!attempts.isEmpty, "a latency needs at least one timed loop")
        let summaries = attempts.map(LatencyStatistics.init(samples:))
        let kept =
            summaries.firstIndex { !$0.isNoisy(threshold: cvThreshold) }
            ?? summaries.indices.min { Self.lower(summaries[$0].p50Microseconds, than: summaries[$1].p50Microseconds) }!
        self.clock = clock
        self.warmup = warmup
        samples = attempts[kept]
        (self.firstCallNanoseconds, self.budgetP50Microseconds) = (firstCallNanoseconds, budgetP50Microseconds)
        self.budgetP99Microseconds = budgetP99Microseconds
        statistics = summaries[kept]
        remeasured = attempts.count > 1
        self.cvThreshold = cvThreshold
        unstable = statistics.isNoisy(threshold: cvThreshold)
        self.coldCache = coldCache
        if attempts.count > 1 {
            self.attempts = summaries
            keptAttempt = kept + 1
        }
    }

    /// Samples decoded from a report that keeps them in its side file are empty until they are
    /// attached from it.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        clock = try c.decode(LatencyClock.self, forKey: .clock)
        warmup = try c.decode(Int.self, forKey: .warmup)
        samples = try c.decodeIfPresent([UInt64].self, forKey: .samples) ?? []
        firstCallNanoseconds = try c.decode(UInt64.self, forKey: .firstCallNanoseconds)
        budgetP50Microseconds = try c.decodeIfPresent(Double.self, forKey: .budgetP50Microseconds)
        budgetP99Microseconds = try c.decodeIfPresent(Double.self, forKey: .budgetP99Microseconds)
        statistics = try c.decode(LatencyStatistics.self, forKey: .statistics)
        remeasured = try c.decode(Bool.self, forKey: .remeasured)
        unstable = try c.decode(Bool.self, forKey: .unstable)
        cvThreshold = try c.decode(Double.self, forKey: .cvThreshold)
        coldCache = try c.decode(Bool.self, forKey: .coldCache)
        attempts = try c.decodeIfPresent([LatencyStatistics].self, forKey: .attempts)
        keptAttempt = try c.decodeIfPresent(Int.self, forKey: .keptAttempt)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(clock, forKey: .clock)
        try c.encode(warmup, forKey: .warmup)
        if encoder.userInfo[Self.samplesElsewhere] as? Bool != true { try c.encode(samples, forKey: .samples) }
        try c.encode(firstCallNanoseconds, forKey: .firstCallNanoseconds)
        try c.encodeIfPresent(budgetP50Microseconds, forKey: .budgetP50Microseconds)
        try c.encodeIfPresent(budgetP99Microseconds, forKey: .budgetP99Microseconds)
        try c.encode(statistics, forKey: .statistics)
        try c.encode(remeasured, forKey: .remeasured)
        try c.encode(unstable, forKey: .unstable)
        try c.encode(cvThreshold, forKey: .cvThreshold)
        try c.encode(coldCache, forKey: .coldCache)
        try c.encodeIfPresent(attempts, forKey: .attempts)
        try c.encodeIfPresent(keptAttempt, forKey: .keptAttempt)
    }

    /// The same figures with `samples` read back from a report's side file.
    package func withSamples(_ samples: [UInt64]) -> LatencyFigures {
        var copy = self
        copy.samples = samples
        return copy
    }

    /// The nearest-rank percentile of the samples, in microseconds.
    package func percentileMicroseconds(_ p: Double) -> Double {
        LatencyStatistics.percentile(samples.sorted(), p)
    }

    package var p50Microseconds: Double { statistics.p50Microseconds }
    package var p99Microseconds: Double { statistics.p99Microseconds }

    /// Timed loops the case got: 1, or more when it was noisy.
    package var attemptCount: Int { attempts?.count ?? (remeasured ? 2 : 1) }

    /// The lowest p50 any attempt measured: what the p50 budget is held to.
    package var bestP50Microseconds: Double { best(\.p50Microseconds) }
    /// The lowest p99 any attempt measured: what the p99 budget is held to.
    package var bestP99Microseconds: Double { best(\.p99Microseconds) }

    /// nil when the profile sets no p50 budget for the case.
    package var withinP50: Bool? { budgetP50Microseconds.map { bestP50Microseconds <= $0 } }
    package var withinP99: Bool? { budgetP99Microseconds.map { bestP99Microseconds <= $0 } }

    private func best(_ percentile: KeyPath<LatencyStatistics, Double>) -> Double {
        (attempts ?? [statistics]).map { $0[keyPath: percentile] }.min(by: Self.lower) ?? statistics[keyPath: percentile]
    }

    /// Orders times with NaN (an empty loop) last.
    private static func lower(_ a: Double, than b: Double) -> Bool {
        a < b || (!a.isNaN && b.isNaN)
    }
}

/// Order statistics and moments of a latency sample, in microseconds.
package struct LatencyStatistics: Sendable, Codable, Equatable {
    /// A case whose robust coefficient of variation exceeds this is re-measured, and flagged
    /// unstable when no attempt is within it.
    package static let defaultCVThreshold = 0.1

    package var count: Int
    package var minMicroseconds: Double
    package var p50Microseconds: Double
    package var p90Microseconds: Double
    package var p99Microseconds: Double
    package var maxMicroseconds: Double
    package var meanMicroseconds: Double
    /// Sample standard deviation (n − 1 in the denominator); 0 for a single sample.
    package var standardDeviationMicroseconds: Double
    /// Standard deviation over mean; 0 when the mean is 0.
    package var coefficientOfVariation: Double
    /// Interquartile range / 1.349 over the median: the CV of a normal distribution, but blind to
    /// the few preempted samples a shared host adds; this is what decides `unstable`.
    package var robustCoefficientOfVariation: Double

    package init(samples: [UInt64]) {
        let sorted = samples.sorted()
        count = sorted.count
        minMicroseconds = sorted.first.map { Double($0) / 1000 } ?? .nan
        maxMicroseconds = sorted.last.map { Double($0) / 1000 } ?? .nan
        p50Microseconds = Self.percentile(sorted, 50)
        p90Microseconds = Self.percentile(sorted, 90)
        p99Microseconds = Self.percentile(sorted, 99)
        let values = sorted.map { Double($0) / 1000 }
        meanMicroseconds = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        if values.count > 1 {
            let mean = meanMicroseconds
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            standardDeviationMicroseconds = (squares / Double(values.count - 1)).squareRoot()
        } else {
            standardDeviationMicroseconds = 0
        }
        coefficientOfVariation = meanMicroseconds > 0 ? standardDeviationMicroseconds / meanMicroseconds : 0
        let iqr = Self.percentile(sorted, 75) - Self.percentile(sorted, 25)
        robustCoefficientOfVariation = p50Microseconds > 0 ? iqr / 1.349 / p50Microseconds : 0
    }

    /// Below this p50 the spread measures the host's clock and scheduler, not the backend.
    package static let stabilityFloorMicroseconds = 10.0

    /// Whether the robust CV exceeds `threshold` for a case long enough to judge.
    package func isNoisy(threshold: Double) -> Bool {
        p50Microseconds >= Self.stabilityFloorMicroseconds && robustCoefficientOfVariation > threshold
    }

    /// The nearest-rank percentile of already sorted nanosecond samples, in microseconds.
    package static func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1000
    }
}

/// What a case moved per second at its p50, and the share of the chip's declared peak.
package struct Throughput: Sendable, Codable, Equatable {
    package enum Unit: String, Sendable, Codable {
        case gflops = "GFLOP/s"
        case gbps = "GB/s"
    }

    package var unit: Unit
    package var value: Double
    /// value / declared peak, in (0, …); nil when the profile declares no peak for the case's dtype.
    package var utilisation: Double?
    /// Arithmetic intensity (FLOP per byte) below the chip's ridge point, or no flops at all.
    package var memoryBound: Bool

    package init(unit: Unit, value: Double, utilisation: Double?, memoryBound: Bool) {
        (self.unit, self.value, self.utilisation, self.memoryBound) = (unit, value, utilisation, memoryBound)
    }
}

/// Everything measured about one case.
package struct CaseResult: Sendable, Codable, Equatable {
    package var id: String
    package var kernel: Kernel
    /// The ABI op dtype (the source for CONVERT).
    package var type: TensorType
    /// CONVERT's destination, or fp32 for GEMM's fp32 logits (ABI 1.2).
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
    /// Largest (|error| − unavoidable rounding) / (standard tolerance − unavoidable rounding) over
    /// the elements: the share of the bound's implementation part (accumulation, intermediate
    /// steps, a declared rounding toward zero) the worst element uses, the rounding of the exact
    /// result to storage taken out. A tier's tolerance scale is compared with it; ≤ 1 exactly when
    /// the standard tolerance holds. Absent in reports of battery 1.0.0.
    package var standardImplementationRatio: Double?
    /// The same for the functional tolerance.
    package var functionalImplementationRatio: Double?
    package var tolerance: String
    package var repeatability: Repeatability?
    package var latency: LatencyFigures?
    /// GFLOP/s or GB/s at the p50, against the chip's declared peaks; nil without a latency.
    package var throughput: Throughput?
    /// Soak executions after the timed loop and how many of them differed bitwise from the first.
    package var soakRuns: Int?
    package var soakMismatches: Int?
    package var flops: Double
    package var bytes: Int
    /// An out-of-bounds write caught by a guard page or canary, in words; nil when none was seen.
    package var memoryViolation: String?
    /// What the backend was caught claiming falsely; nil when nothing.
    package var lies: [String]?
    /// Time the supervisor spent generating inputs, computing the fp64 oracle and judging.
    package var oracleNanoseconds: UInt64?
    /// Whether the oracle's expectations for every input set of the case were read from the oracle
    /// cache (true) or computed (false); absent when the run used no cache (`--no-oracle-cache`,
    /// reports before it) or judged nothing.
    package var oracleCached: Bool?
    /// For a case the backend must refuse: the invalid argument it was given (nothing is computed
    /// or timed; it passes when the backend answers INVALID_ARGUMENT). Absent for other cases.
    package var refusal: String?

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
        refusal = testCase.refusal
    }

    /// The ratio a tolerance scale is compared with: the implementation ratio when the report has
    /// one (a tier tightens only the implementation's part of the bound), else the whole-bound ratio
    /// (reports of battery 1.0.0, where a tier scaled the whole bound).
    package func standardRatio(scale: Double) -> Double? {
        scale == 1 ? standardRatio : standardImplementationRatio ?? standardRatio
    }

    /// The functional counterpart of `standardRatio(scale:)`.
    package func functionalRatio(scale: Double) -> Double? {
        scale == 1 ? functionalRatio : functionalImplementationRatio ?? functionalRatio
    }

    /// Whether every element is within the standard tolerance with its implementation part
    /// multiplied by `scale`.
    package func passesStandard(scale: Double = 1) -> Bool {
        guard outcome == .passed || outcome == .failed, let ratio = standardRatio(scale: scale) else { return false }
        return ratio <= scale && (repeatability?.withinTolerance ?? true)
    }

    /// Whether every element is within the functional tolerance with its implementation part
    /// multiplied by `scale`.
    package func passesFunctional(scale: Double = 1) -> Bool {
        guard outcome == .passed || outcome == .failed, let ratio = functionalRatio(scale: scale) else { return false }
        return ratio <= scale
    }
}
