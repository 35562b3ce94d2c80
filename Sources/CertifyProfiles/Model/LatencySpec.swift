/// How latency is measured and the budgets it is held to.
package struct LatencySpec: Sendable, Equatable {
    /// Untimed calls before measuring; 0...1_000_000, 3 when the profile omits it.
    package var warmup: Int
    /// Timed calls per case; 1...1_000_000, 20 when the profile omits it.
    package var iterations: Int
    /// The least wall time of a case's timed loop, milliseconds (`min_time_ms`); timing runs
    /// until both this and `iterations` are reached.
    package var minTimeMilliseconds: Double = LatencySpec.defaultMinTimeMilliseconds
    /// Flush caches between timed calls of memory-bound cases (`cold_cache`).
    package var coldCache = false
    /// Robust coefficient of variation above which a case is timed again, and flagged unstable
    /// when no attempt is within it (`cv_threshold`).
    package var cvThreshold = 0.1
    /// Budgets by kernel name or case id.
    package var budgets: [String: LatencyBudget]
    /// Seconds a worker may spend on one run of a case before it is killed (`case_timeout_s`);
    /// nil derives the deadline from the case's size.
    package var caseTimeoutSeconds: Double?

    package static let defaultMinTimeMilliseconds = 100.0

    /// The measurement used when a profile has no `latency` section.
    package static let `default` = LatencySpec(warmup: 3, iterations: 20, budgets: [:])

    package init(warmup: Int, iterations: Int, budgets: [String: LatencyBudget], caseTimeoutSeconds: Double? = nil) {
        self.warmup = warmup
        self.iterations = iterations
        self.budgets = budgets
        self.caseTimeoutSeconds = caseTimeoutSeconds
    }
}
