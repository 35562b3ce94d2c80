/// Latency limits for one kernel or case; at least one of the two is set.
package struct LatencyBudget: Sendable, Equatable {
    /// Median latency limit in microseconds (L2).
    package var p50Microseconds: Double?
    /// 99th-percentile latency limit in microseconds (L3).
    package var p99Microseconds: Double?

    package init(p50Microseconds: Double? = nil, p99Microseconds: Double? = nil) {
        self.p50Microseconds = p50Microseconds
        self.p99Microseconds = p99Microseconds
    }
}
