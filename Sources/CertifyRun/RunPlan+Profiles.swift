import CertifyBattery
import CertifyNumerics
import CertifyProfiles

extension RunPlan {
    /// The plan for `profile` judged for `tiers`. A tier may raise the measurement, never lower it:
    /// the strictest tier given (most iterations, longest minimum time and soak, most runs) sets it
    /// for the whole run, and each tier is judged on that.
    package init(
        profile: ChipProfile, tiers: [TierProfile], suite: Suite, seed: UInt64, soak: Int, runs: Int, coldCache: Bool
    ) {
        self.init(
            cases: Battery.cases(suite), seed: seed, numerics: profile.numerics.model,
            warmup: profile.latency.warmup,
            iterations: tiers.compactMap(\.iterations).reduce(profile.latency.iterations, max),
            budgets: profile.latency.budgets.mapValues { BudgetMicroseconds(p50: $0.p50Microseconds, p99: $0.p99Microseconds) })
        let minTime = tiers.compactMap(\.minTimeMilliseconds).reduce(profile.latency.minTimeMilliseconds, max)
        minTimeNanoseconds = UInt64(minTime * 1e6)
        // A tier's counts are requirements: no cap cuts them short.
        let tierSetsTiming = tiers.contains { $0.iterations != nil || $0.minTimeMilliseconds != nil }
        maxTimeNanoseconds = tierSetsTiming ? 0 : UInt64(profile.latency.maxTimeMilliseconds * 1e6)
        self.coldCache = coldCache || profile.latency.coldCache
        cvThreshold = profile.latency.cvThreshold
        self.soak = tiers.compactMap(\.soak).reduce(soak, max)
        self.runs = tiers.compactMap(\.runs).reduce(runs, max)
        peaks = profile.peaks
        modelCheck = .forSuite(suite)
    }
}

extension DeclaredNumerics {
    /// The profile's declaration in the battery's terms.
    package var model: DeclaredNumericsModel {
        let stored = intermediates.filter { $0.value == .storage }.compactMap { Kernel(rawValue: $0.key) }
        return DeclaredNumericsModel(
            accumulation: accumulation, flushesSubnormals: denormals == .flush,
            rounding: rounding == .towardZero ? .towardZero : .nearestEven, storageIntermediates: stored)
    }
}
