/// A user tier (`Profiles/tiers/*.yaml`): the certification level a class of user requires.
package struct TierProfile: Sendable, Equatable {
    /// The profile schema version; always 1 for a loaded profile.
    package var schema: Int
    /// Stable identifier: lowercase letters, digits and '-'.
    package var id: String
    /// Display name.
    package var name: String
    /// The level required, 1...3 for L1...L3.
    package var requiredLevel: Int
    /// Multiplier on the battery's tolerances, in (0, 1]; 1 when the profile omits it.
    package var toleranceScale: Double
    /// The percentile held to the chip's budgets at L2 (`latency_percentile`); L3 always holds p99.
    package var latencyPercentile: BudgetPercentile = .p50
    /// Raises the chip profile's minimum count of timed calls (`iterations`).
    package var iterations: Int?
    /// Raises the chip profile's minimum wall time of a case's timed loop, milliseconds (`min_time_ms`).
    package var minTimeMilliseconds: Double?
    /// Soak executions per case the tier asks for (`soak`).
    package var soak: Int?
    /// Independent runs of every case whose outputs must agree (`runs`).
    package var runs: Int?
    /// The tier accepts only a seed certify drew from the operating system's CSPRNG (`seed: drawn`),
    /// so that a vendor cannot know the battery's inputs in advance.
    package var requiresDrawnSeed = false
    /// The file path as given to the loader, not resolved.
    package var path: String

    package init(
        schema: Int, id: String, name: String, requiredLevel: Int, toleranceScale: Double,
        latencyPercentile: BudgetPercentile = .p50, iterations: Int? = nil, minTimeMilliseconds: Double? = nil,
        soak: Int? = nil, runs: Int? = nil, path: String
    ) {
        (self.runs, self.schema, self.id, self.name, self.requiredLevel) = (runs, schema, id, name, requiredLevel)
        (self.toleranceScale, self.latencyPercentile) = (toleranceScale, latencyPercentile)
        (self.iterations, self.minTimeMilliseconds, self.soak) = (iterations, minTimeMilliseconds, soak)
        self.path = path
    }
}

/// What a tier requires of the run's seed (`seed`).
package enum TierSeedPolicy: String, Sendable, CaseIterable {
    /// Any seed, the default 1 included.
    case any
    /// A seed certify drew from the OS CSPRNG for this run (or the drawn seed of a report the run reproduces).
    case drawn
}

/// A percentile a chip profile can budget: `p50_us` or `p99_us`.
package enum BudgetPercentile: String, Sendable, Codable, CaseIterable {
    case p50, p99
}
