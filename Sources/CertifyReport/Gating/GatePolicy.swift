/// The thresholds a gate judges by.
package struct GatePolicy: Sendable, Codable, Equatable {
    /// A case's error ratio (error / standard tolerance) may grow by at most this factor.
    package var errorGrowth: Double
    /// Baseline error ratios below this are negligible: their growth is not judged.
    package var negligibleErrorRatio: Double
    /// Significance level of the latency test, shared by every case compared (Bonferroni).
    package var alpha: Double
    /// A latency regression must also raise p50 by more than this fraction (0.10 is 10 %).
    package var latencyThreshold: Double
    /// ... and by more than this many microseconds: under 10 µs a p50 moves with cache and TLB
    /// state and the scheduler (the same floor below which a latency is never flagged unstable).
    package var latencyFloorMicroseconds: Double
    /// The whole battery is a latency regression when its median p50 ratio exceeds 1 + this
    /// (1.0 is 2×): runs on one shared host drift by up to 1.5× as a whole between runs.
    package var globalLatencyThreshold: Double
    /// One case is a latency regression only when its p50 ratio also exceeds the battery's median
    /// ratio by 1 + this (3.0 is 4×): single cases of two clean runs on one shared host differed
    /// by up to 2.1× beyond the battery's drift.
    package var caseLatencyThreshold: Double
    /// ... and by more than this many robust standard deviations (1.4826 × the median absolute
    /// deviation) of the battery's log p50 ratios, so the limit widens on a noisy host.
    package var noiseSigmas: Double
    /// Side by side (A/B), the battery is a latency regression when its median case is slower by
    /// more than this fraction (0.05 is 5 %) and significantly so; `latencyThreshold` is the
    /// effect threshold for cases and kernel families.
    package var pairedGlobalLatencyThreshold: Double

    package init(
        errorGrowth: Double = 4, negligibleErrorRatio: Double = 0.01, alpha: Double = 0.001, latencyThreshold: Double = 0.10,
        latencyFloorMicroseconds: Double = 10, globalLatencyThreshold: Double = 1.0, caseLatencyThreshold: Double = 3.0,
        noiseSigmas: Double = 6, pairedGlobalLatencyThreshold: Double = 0.05
    ) {
        self.pairedGlobalLatencyThreshold = pairedGlobalLatencyThreshold
        self.noiseSigmas = noiseSigmas
        self.globalLatencyThreshold = globalLatencyThreshold
        self.caseLatencyThreshold = caseLatencyThreshold
        self.errorGrowth = errorGrowth
        self.negligibleErrorRatio = negligibleErrorRatio
        self.alpha = alpha
        self.latencyThreshold = latencyThreshold
        self.latencyFloorMicroseconds = latencyFloorMicroseconds
    }
}
