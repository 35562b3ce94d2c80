/// How latency is measured and the budgets it is held to.
package struct LatencySpec: Sendable, Equatable {
    /// Untimed calls before measuring; 0...1_000_000, 3 when the profile omits it.
    package var warmup: Int
    /// Timed calls per case; 1...1_000_000, 20 when the profile omits it.
    package var iterations: Int
    /// The least wall time of a case's timed loop, milliseconds (`min_time_ms`); timing runs
    /// until both this and `iterations` are reached.
    package var minTimeMilliseconds: Double = LatencySpec.defaultMinTimeMilliseconds
    /// The most wall time a case's warm-up and timed loop each spend once they have 1 and 5 calls,
    /// milliseconds (`max_time_ms`): a case whose calls are slow stops short of `iterations`. A
    /// tier that sets `iterations` or `min_time_ms` turns it off.
    package var maxTimeMilliseconds: Double = LatencySpec.defaultMaxTimeMilliseconds
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
    /// Above the standard suite's slowest timed loop on the reference CPU backend (25 calls of
    /// ~90 ms), below the full suite's (a 2048-token prefill takes ~20 s a call there).
    package static let defaultMaxTimeMilliseconds = 5000.0

    /// The measurement used when a profile has no `latency` section.
    package static let `default` = LatencySpec(warmup: 3, iterations: 20, budgets: [:])

    package init(warmup: Int, iterations: Int, budgets: [String: LatencyBudget], caseTimeoutSeconds: Double? = nil) {
        self.warmup = warmup
        self.iterations = iterations
        self.budgets = budgets
        self.caseTimeoutSeconds = caseTimeoutSeconds
    }
}
